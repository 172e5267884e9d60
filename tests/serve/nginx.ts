/**
 * Debian's nginx as a load balancer on loopback, for the scale-out test: a config of our own in a
 * temp dir (pid, logs, temp paths all inside it), started in the foreground as a child process
 * group of the test and stopped by it — the system's nginx service is never touched.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../helpers/env.ts";
import { freePort } from "../tracking/helpers.ts";

export const NGINX = ["/usr/sbin/nginx", "/usr/bin/nginx"].find((p) => existsSync(p)) ?? "nginx";

export interface Nginx {
  url: string;
  dir: string;
  errorLog(): string;
  stop(): Promise<void>;
}

/**
 * The balancer's config: round robin over `upstreams`; a request whose replica fails (connection
 * refused or reset, 502/503/504, or no answer within 5 s) goes to the next one — POST included
 * (`non_idempotent`): /predict changes nothing, so sending it again is safe. A failed replica is
 * left alone for 5 s. `X-Upstream` says which replica(s) answered.
 */
export function nginxConfig(dir: string, port: number, upstreams: number[]): string {
  return `
worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 512; }
http {
  access_log ${dir}/access.log;
  client_body_temp_path ${dir}/tmp/body;
  proxy_temp_path ${dir}/tmp/proxy;
  fastcgi_temp_path ${dir}/tmp/fastcgi;
  uwsgi_temp_path ${dir}/tmp/uwsgi;
  scgi_temp_path ${dir}/tmp/scgi;
  upstream netsec {
${upstreams.map((p) => `    server 127.0.0.1:${p} max_fails=1 fail_timeout=5s;`).join("\n")}
    keepalive 16;
  }
  server {
    listen 127.0.0.1:${port};
    client_max_body_size 64m;
    location / {
      proxy_pass http://netsec;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_next_upstream error timeout http_502 http_503 http_504 non_idempotent;
      proxy_next_upstream_tries ${upstreams.length};
      proxy_connect_timeout 1s;
      proxy_read_timeout 5s;
      add_header X-Upstream $upstream_addr always;
    }
  }
}
`;
}

export async function startNginx(upstreams: number[]): Promise<Nginx> {
  const dir = tempDir("netsec-nginx-");
  mkdirSync(join(dir, "tmp"));
  const port = await freePort();
  writeFileSync(join(dir, "nginx.conf"), nginxConfig(dir, port, upstreams));
  execFileSync(NGINX, ["-t", "-p", dir, "-c", join(dir, "nginx.conf"), "-e", join(dir, "error.log")], { stdio: "pipe" });
  const proc: ChildProcess = spawn(NGINX, ["-p", dir, "-c", join(dir, "nginx.conf"), "-e", join(dir, "error.log")], { detached: true, stdio: "ignore" });
  const exited = new Promise((resolve) => proc.once("exit", resolve));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (proc.exitCode !== null) throw new Error(`nginx exited: ${readFileSync(join(dir, "error.log"), "utf8")}`);
    if (await fetch(`${url}/health`).then(() => true, () => false)) break;
    if (i > 200) throw new Error(`nginx did not listen on ${url}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url,
    dir,
    errorLog: () => (existsSync(join(dir, "error.log")) ? readFileSync(join(dir, "error.log"), "utf8") : ""),
    async stop() {
      if (proc.pid && proc.exitCode === null) process.kill(-proc.pid, "SIGTERM");
      await exited;
    },
  };
}
