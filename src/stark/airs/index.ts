import { airRegistry } from "../air/air.js";
import { fibAir } from "./fib.js";
import { mixAir } from "./mix.js";
import { lookupAir } from "./lookup.js";

airRegistry.register(fibAir);
airRegistry.register(mixAir);
airRegistry.register(lookupAir);

export { fibAir, mixAir, lookupAir };
