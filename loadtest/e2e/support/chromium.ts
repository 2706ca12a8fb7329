/** Headless Chromium (Debian's `chromium`) for the HTML report test. */
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export const CHROMIUM = [process.env["CHROMIUM_PATH"], "/usr/bin/chromium", "/usr/bin/chromium-browser"].find((path): path is string => path !== undefined && existsSync(path));

/** Runs headless Chromium with a throwaway profile directory, removed afterwards. */
async function chromium(args: readonly string[]): Promise<string> {
  if (CHROMIUM === undefined) throw new Error("chromium is not installed");
  const profile = mkdtempSync(join(tmpdir(), "pharos-chromium-"));
  const flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", `--user-data-dir=${profile}`];
  try {
    const { stdout } = await run(CHROMIUM, [...flags, ...args], { maxBuffer: 32 * 1024 * 1024, timeout: 30_000 });
    return stdout;
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

/** The DOM after the page's scripts ran. */
export async function dumpDom(file: string): Promise<string> {
  return chromium(["--virtual-time-budget=5000", "--dump-dom", `file://${file}`]);
}

/** A PNG screenshot of the page. */
export async function screenshot(file: string, png: string): Promise<void> {
  await chromium(["--window-size=1280,1600", `--screenshot=${png}`, `file://${file}`]);
}
