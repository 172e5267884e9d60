/**
 * The layers of docs/DESIGN.md as rules, checked by dependency-cruiser (`npm run check:layers`,
 * run by `npm test` before vitest). Imports only go down; there is no cycle between files, and
 * type-only imports count (tsPreCompilationDeps). Only src/runtime/ touches Node's built-ins.
 *
 *   7  src/cli/, src/cli.ts, src/mod.ts           the edges: command line, public API
 *   6  src/session/                               the notebook session: verbs over the stages, results that show themselves
 *   5  src/tracking/ report/ serve/ viz/          talk to the outside (MLflow, files, HTTP, notebooks);
 *      src/monitor/page.ts                        the monitoring page (uses viz/)
 *   4  src/pipeline.ts plan.ts stage-cache.ts run-recorder.ts chains the stages; their settings and keys; results found again by key
 *   3  src/stages/ search/ predict/ monitor/      the pipeline's steps, the model search, streaming scoring, the
 *                                                monitoring reference / windows / analysis (push writes the reference)
 *   2  src/models/                                families/, trees/, scoring/, model file, preprocessor
 *   1  src/errors schema experiment artifacts reporter version settings .ts, src/data/, src/stats/
 *   0  src/runtime/                               Deno vs Node
 */
const LAYERS = [
  ["runtime", "^src/runtime/"],
  ["base", "^src/(errors|schema|experiment|artifacts|reporter|version|settings)\\.ts$|^src/(data|stats)/"],
  ["models", "^src/models/"],
  ["steps", "^src/(stages|search|predict)/|^src/monitor/(?!page\\.ts$)"],
  ["pipeline", "^src/(pipeline|plan|stage-cache|run-recorder)\\.ts$"],
  ["outside", "^src/(tracking|report|serve|viz)/|^src/monitor/page\\.ts$"],
  ["session", "^src/session/"],
  ["edges", "^src/cli/|^src/cli\\.ts$|^src/mod\\.ts$"],
];

const upward = LAYERS.slice(0, -1).map(([name, path], i) => ({
  name: `layer-${i}-${name}-imports-upward`,
  comment: `${name} (layer ${i}) may only import layers 0-${i}: see the layer table in .dependency-cruiser.cjs and docs/DESIGN.md`,
  severity: "error",
  from: { path },
  to: { path: LAYERS.slice(i + 1).map(([, p]) => `(${p})`).join("|") },
}));

module.exports = {
  forbidden: [
    ...upward,
    {
      name: "no-circular",
      comment: "no import cycle between files, type-only imports included: move the shared type into the lower file or a types.ts of its folder",
      severity: "error",
      from: { path: "^src/" },
      to: { circular: true },
    },
    {
      name: "unlayered-file",
      comment: "every file under src/ belongs to a layer: add new top-level files or folders to LAYERS",
      severity: "error",
      from: { path: "^src/", pathNot: LAYERS.map(([, p]) => `(${p})`).join("|") },
      to: {},
    },
    {
      name: "runtime-only-node-builtins",
      comment: "only src/runtime/ knows Deno from Node: use the Platform interface (src/runtime/platform.ts)",
      severity: "error",
      from: { path: "^src/", pathNot: "^src/runtime/" },
      to: { dependencyTypes: ["core"] },
    },
    {
      name: "no-dev-dependencies-in-src",
      comment: "src/ runs in production: it may not import a devDependency",
      severity: "error",
      from: { path: "^src/" },
      to: { dependencyTypes: ["npm-dev"] },
    },
    {
      name: "not-to-unresolvable",
      comment: "an import that does not resolve to a file or a package in package.json",
      severity: "error",
      from: { path: "^src/" },
      to: { couldNotResolve: true },
    },
    {
      name: "no-undeclared-package",
      comment: "every package src/ imports is listed in package.json (npm has been seen to skip undeclared ones)",
      severity: "error",
      from: { path: "^src/" },
      to: { dependencyTypes: ["npm-no-pkg", "npm-unknown"] },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { extensions: [".ts", ".mjs", ".js"], exportsFields: ["exports"], conditionNames: ["import", "require", "node", "default", "types"] },
  },
};
