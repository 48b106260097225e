import { createJsBackend } from "../../../src/backends/js/index.js";
import { describeBackend } from "./conformance.js";

describeBackend("js", createJsBackend);
