import { ProverNodeError } from "../util/errors.js";

export type MarketErrorType =
  | { code: "MARKET_NO_PROFILE"; backend: string; air: string }
  | { code: "MARKET_INVALID_PROFILE"; detail: string };

export class MarketError extends ProverNodeError<MarketErrorType> {}
