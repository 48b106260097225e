/** Reading, merging and atomically writing `<dataDir>/profile.json` (market/pricing.ts `ProvingProfile`). */
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { parseProfile, type ProfileEntry, type ProvingProfile } from "../../market/pricing.js";
import { describeError } from "../../util/errors.js";
import { CliExit, ExitCode } from "../program.js";

/** The profile at `path`, or null when there is none; a file that is not a valid profile fails (exit 1). */
export async function readProfile(path: string): Promise<ProvingProfile | null> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw new CliExit(ExitCode.failure, `error: cannot read ${path}: ${describeError(err)}`);
  }
  try {
    return parseProfile(JSON.parse(text));
  } catch (err) {
    throw new CliExit(ExitCode.failure, `error: ${path} is not a valid proving profile (${describeError(err)}); fix or remove it`);
  }
}

/** `profile` (or an empty one) with `backends[backend][air] = entry`, other entries kept. */
export function mergeProfile(profile: ProvingProfile | null, backend: string, air: string, entry: ProfileEntry, measuredAt: number): ProvingProfile {
  const backends = { ...(profile?.backends ?? {}) };
  backends[backend] = { ...(backends[backend] ?? {}), [air]: entry };
  return parseProfile({ version: 1, measuredAt, backends });
}

/** Write through a temporary file and a rename, so a reader never sees a half-written profile. */
export async function writeProfile(path: string, profile: ProvingProfile): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    await writeFile(tmp, JSON.stringify(profile, null, 1) + "\n");
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}
