// Types of the ESM entry point: the same declarations as the CommonJS build.
export * from "../dist/index.js";
import * as sdk from "../dist/index.js";
export default sdk;
