import { ProverNodeError } from "../util/errors.js";

/** Errors of the recursion layer: a circuit built wrong, an unsatisfied check, a refused child. */
export type RecursionErrorType =
  | { code: "CIRCUIT"; detail: string }
  | { code: "UNSATISFIED"; detail: string }
  | { code: "CHILD_REFUSED"; detail: string };

export class RecursionError extends ProverNodeError<RecursionErrorType> {
  constructor(code: RecursionErrorType["code"], detail: string) {
    super({ code, detail } as RecursionErrorType, `${code === "CHILD_REFUSED" ? "" : code.toLowerCase() + ": "}${detail}`);
  }
}
