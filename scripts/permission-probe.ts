// Tries, under whatever --allow-* flags it is started with, what `netsec serve` must be able to do
// and what it must not; prints one line per attempt and exits 1 when any outcome is not the expected
// one. Used by scripts/container-check.sh (with the image's CMD flags) and tests/serve/shutdown-
// permissions.test.ts (with servePermissions()).
//   deno run --no-config <flags> scripts/permission-probe.ts '<json plan>'
// plan: {"read": [files], "listen": ["host:port"], "env": [names],
//        "noRead": [files], "noWrite": [folders], "noConnect": ["host:port"], "noRun": [programs]}
interface Plan {
  read?: string[];
  listen?: string[];
  env?: string[];
  noRead?: string[];
  noWrite?: string[];
  noConnect?: string[];
  noRun?: string[];
}
const plan: Plan = JSON.parse(Deno.args[0] ?? "{}");
let wrong = 0;

function split(address: string): { hostname: string; port: number } {
  const at = address.lastIndexOf(":");
  return { hostname: address.slice(0, at).replace(/^\[|\]$/g, ""), port: Number(address.slice(at + 1)) };
}

async function attempt(what: string, expectAllowed: boolean, action: () => unknown): Promise<void> {
  let outcome: string;
  let allowed: boolean;
  try {
    await action();
    outcome = "done";
    allowed = true;
  } catch (error) {
    const name = (error as Error).name;
    allowed = name !== "NotCapable"; // Deno's refusal; an OS error (EACCES, EROFS, AddrInUse) came after Deno allowed it
    outcome = allowed ? `allowed (then ${name}: ${(error as Error).message.split("\n")[0]})` : `refused (${name})`;
  }
  const ok = allowed === expectAllowed;
  if (!ok) wrong += 1;
  console.log(`${ok ? "ok  " : "BAD "} ${what}: ${outcome}${ok ? "" : expectAllowed ? ", expected allowed" : ", expected refused"}`);
}

for (const file of plan.read ?? []) await attempt(`read ${file}`, true, () => Deno.readFile(file));
for (const address of plan.listen ?? []) {
  // AddrInUse (the server holds the port) still means the permission check passed.
  await attempt(`listen on ${address}`, true, () => Deno.listen(split(address)).close());
}
for (const name of plan.env ?? []) await attempt(`read env ${name}`, true, () => Deno.env.get(name));
for (const file of plan.noRead ?? []) await attempt(`read ${file}`, false, () => Deno.readFile(file));
for (const dir of plan.noWrite ?? []) await attempt(`write into ${dir}`, false, () => Deno.writeTextFile(`${dir}/netsec-probe.txt`, "x"));
for (const address of plan.noConnect ?? []) await attempt(`connect to ${address}`, false, async () => (await Deno.connect(split(address))).close());
for (const program of plan.noRun ?? []) await attempt(`run ${program}`, false, () => new Deno.Command(program, { args: ["--version"], stdout: "null", stderr: "null" }).output());
Deno.exit(wrong ? 1 : 0);
