/** Headless Chromium (Debian's `chromium`) for the HTML report test. */
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export const CHROMIUM = [process.env["CHROMIUM_PATH"], "/usr/bin/chromium", "/usr/bin/chromium-browser"].find((path): path is string => path !== undefined && existsSync(path));

function flags(): string[] {
  const profile = mkdtempSync(join(tmpdir(), "pharos-chromium-"));
  return ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", `--user-data-dir=${profile}`];
}

/** The DOM after the page's scripts ran. */
export async function dumpDom(file: string): Promise<string> {
  if (CHROMIUM === undefined) throw new Error("chromium is not installed");
  const { stdout } = await run(CHROMIUM, [...flags(), "--virtual-time-budget=5000", "--dump-dom", `file://${file}`], { maxBuffer: 32 * 1024 * 1024, timeout: 30_000 });
  return stdout;
}

/** A PNG screenshot of the page. */
export async function screenshot(file: string, png: string): Promise<void> {
  if (CHROMIUM === undefined) throw new Error("chromium is not installed");
  await run(CHROMIUM, [...flags(), "--window-size=1280,1600", `--screenshot=${png}`, `file://${file}`], { timeout: 30_000 });
}
