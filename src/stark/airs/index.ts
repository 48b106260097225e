import { airRegistry } from "../air/air.js";
import { fibAir } from "./fib.js";
import { mixAir } from "./mix.js";

airRegistry.register(fibAir);
airRegistry.register(mixAir);

export { fibAir, mixAir };
