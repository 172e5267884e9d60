#!/usr/bin/env node
/**
 * A loopback stand-in for DagsHub's front door, in front of REAL MLflow servers, for the tests:
 * it answers the way DagsHub's hosted MLflow is reached by DagsHub's own Python client
 * (DagsHub/client: dagshub/common/init.py, dagshub/common/api/user.py, dagshub/auth/tokens.py):
 *
 *   GET /api/v1/user             with `Authorization: Bearer <token>` → 200 JSON user record
 *                                (`login`, `username`, …); any other token → 401
 *   /<owner>/<repo>.mlflow/<p>   only with HTTP basic auth `<user name>:<token>` → forwarded to
 *                                that repo's MLflow server as /<p>; wrong or missing → 401
 *   /<owner>/<repo>.mlflow/api/2.0/mlflow/{registered-models,model-versions}/… of a repo given
 *                                with --no-registry → 404, as DagsHub users report for its hosted
 *                                MLflow 2.7 (DagsHub/client#629: registered-models/create → 404)
 *   anything else                → 404
 *
 * It holds no MLflow logic of its own: every MLflow answer comes from the real server behind it.
 *
 * usage: node scripts/dagshub-proxy.mjs --port N --user NAME --token TOKEN
 *          --repo owner/name=http://127.0.0.1:PORT [--repo …] [--no-registry owner/name …]
 * Also importable: `startDagshubProxy({ port, user, token, repos, noRegistry })` → { url, close() }.
 */
import { createServer, request as httpRequest } from "node:http";
import { pathToFileURL } from "node:url";

function unauthorized(res, text) {
  res.writeHead(401, { "content-type": "text/plain; charset=utf-8", "www-authenticate": 'Basic realm="DagsHub"' }).end(text);
}

function basicCredentials(header) {
  const m = /^Basic\s+(\S+)$/i.exec(header ?? "");
  if (!m) return undefined;
  const text = Buffer.from(m[1], "base64").toString("utf8");
  const colon = text.indexOf(":");
  return colon < 0 ? undefined : { user: text.slice(0, colon), password: text.slice(colon + 1) };
}

/**
 * @param {{ port?: number, user: string, token: string, repos: Record<string, string>, noRegistry?: string[], log?: (line: string) => void }} options
 *   repos: "owner/name" → base URL of the MLflow server that repo's `.mlflow` path reaches
 */
export function startDagshubProxy(options) {
  const { user, token } = options;
  const noRegistry = new Set(options.noRegistry ?? []);
  const routes = Object.entries(options.repos).map(([repo, target]) => ({ prefix: `/${repo}.mlflow`, target: new URL(target), registry: !noRegistry.has(repo) }));
  const server = createServer((req, res) => {
    const url = req.url ?? "/";
    const path = url.split("?")[0];
    options.log?.(`${req.method} ${path}`);
    if (path === "/api/v1/user" || path === "/api/v1/user/") {
      if (req.headers.authorization !== `Bearer ${token}`) return unauthorized(res, "invalid or missing token");
      const body = { id: 4242, login: user, full_name: "netsec test user", avatar_url: null, public_email: null, website: null, company: null, description: null, username: user };
      return res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));
    }
    const route = routes.find((r) => path === r.prefix || path.startsWith(`${r.prefix}/`));
    if (!route) return res.writeHead(404, { "content-type": "text/plain" }).end("Not Found");
    const creds = basicCredentials(req.headers.authorization);
    if (!creds || creds.user !== user || creds.password !== token) {
      return unauthorized(res, creds ? "basic auth needs your DagsHub user name and a token as password" : "authentication required");
    }
    const rest = url.slice(route.prefix.length) || "/";
    if (!route.registry && /^\/(ajax-)?api\/2\.0\/mlflow\/(registered-models|model-versions)\//.test(rest)) {
      return res.writeHead(404, { "content-type": "text/html" }).end("<!DOCTYPE html><title>404 Not Found</title><h1>Not Found</h1>");
    }
    const headers = { ...req.headers, host: route.target.host };
    delete headers.authorization;
    const up = httpRequest({ host: route.target.hostname, port: route.target.port, method: req.method, path: rest, headers }, (upRes) => {
      res.writeHead(upRes.statusCode ?? 502, upRes.headers);
      upRes.pipe(res);
    });
    up.on("error", (e) => {
      if (!res.headersSent) res.writeHead(502, { "content-type": "text/plain" });
      res.end(`bad gateway: ${e.message}`);
    });
    req.pipe(up);
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => {
      const address = server.address();
      resolve({
        url: `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`,
        close: () => new Promise((done) => {
          server.closeAllConnections();
          server.close(() => done());
        }),
      });
    });
  });
}

async function main(argv) {
  const options = { user: "", token: "", repos: {}, noRegistry: [], port: 0 };
  for (let i = 0; i < argv.length; i++) {
    const [name, value] = [argv[i], argv[i + 1]];
    if (name === "--port") options.port = Number(value);
    else if (name === "--user") options.user = value;
    else if (name === "--token") options.token = value;
    else if (name === "--repo") {
      const eq = value.indexOf("=");
      options.repos[value.slice(0, eq)] = value.slice(eq + 1);
    } else if (name === "--no-registry") options.noRegistry.push(value);
    else throw new Error(`dagshub-proxy: unknown argument ${name}`);
    i++;
  }
  if (!options.user || !options.token || Object.keys(options.repos).length === 0) throw new Error("dagshub-proxy: --user, --token and at least one --repo are required");
  const proxy = await startDagshubProxy(options);
  process.stdout.write(`dagshub proxy on ${proxy.url}: ${Object.entries(options.repos).map(([r, t]) => `/${r}.mlflow → ${t}`).join(", ")}\n`);
  const stop = () => proxy.close().then(() => process.exit(0));
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  main(process.argv.slice(2)).catch((error) => {
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  });
}
