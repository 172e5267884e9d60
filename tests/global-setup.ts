/**
 * Starts the real servers (FerretDB, MLflow, MLflow with basic auth) through scripts/services.sh
 * before the suites run, and stops them afterwards if this run started them. Their addresses are
 * passed to the test files as NETSEC_TEST_* environment variables. `MONGODB_URI` set by the user
 * points the MongoDB tests at another real server (mongod, Atlas) instead of FerretDB.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const script = join(root, "scripts", "services.sh");

export default function setup(): () => void {
  if (process.env.NETSEC_NO_SERVICES === "1") return () => {};
  const before = execFileSync("bash", [script, "status"], { encoding: "utf8" });
  const wasRunning = !before.includes("stopped");
  execFileSync("bash", [script, "start"], { stdio: ["ignore", "inherit", "inherit"] });
  const stateDir = process.env.NETSEC_SERVICES_DIR ?? join(root, ".services");
  for (const line of readFileSync(join(stateDir, "env"), "utf8").split("\n")) {
    const eq = line.indexOf("=");
    if (eq > 0 && process.env[line.slice(0, eq)] === undefined) process.env[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return () => {
    if (!wasRunning && process.env.NETSEC_KEEP_SERVICES !== "1") {
      execFileSync("bash", [script, "stop"], { stdio: ["ignore", "inherit", "inherit"] });
    }
  };
}
