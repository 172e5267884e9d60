// The Docker image's HEALTHCHECK: GET /health of the server in the same container, under the Deno
// the image already has (no curl, no Node). Exit 0 when it answers 200 (a model is loaded), 1 when
// it answers anything else, does not answer within 4 s, or refuses the connection.
//   deno run --no-config --allow-net=127.0.0.1:8000 scripts/healthcheck.ts [url]
const url = Deno.args[0] ?? "http://127.0.0.1:8000/health";
try {
  const response = await fetch(url, { signal: AbortSignal.timeout(4000) });
  const body = await response.text();
  if (!response.ok) console.error(`healthcheck: ${url} answered ${response.status}: ${body.slice(0, 200)}`);
  Deno.exit(response.ok ? 0 : 1);
} catch (error) {
  console.error(`healthcheck: ${url}: ${(error as Error).message}`);
  Deno.exit(1);
}
