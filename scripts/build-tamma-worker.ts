/**
 * `npm run build:tamma-worker`: bundles the Tamma worker's build context (the image Pulumi builds and pushes)
 * and prints its size and image tag. Takes no arguments.
 */
import * as path from "path";
import { REPO_ROOT } from "../test/harness/stackfile";
import { prepareWorkerContext, workerImageTag } from "../components/tamma/image";
import { parseCli, runCli } from "./cli";

const USAGE = "npm run build:tamma-worker";

runCli(USAGE, async () => {
  parseCli({ usage: USAGE, flags: {}, positionals: { max: 0 } }, process.argv.slice(2));
  console.log("build:tamma-worker: bundling functions/tamma-worker into its build context ...");
  const built = prepareWorkerContext();
  console.log(
    `tamma worker bundle: ${built.bytes} bytes in ${path.relative(REPO_ROOT, built.context)}/ (image tag ${workerImageTag(built.sha256)})`,
  );
  return 0;
});
