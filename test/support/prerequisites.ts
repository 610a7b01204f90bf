import { accessSync, constants } from "node:fs";

/** The browser tests drive Debian's Chromium, never a downloaded build. */
export const CHROMIUM_PATH = "/usr/bin/chromium";

/** One line saying what the tests need and how to get it, or null when the machine has it. */
export function missingTestPrerequisite(chromiumPath: string = CHROMIUM_PATH): string | null {
  try {
    accessSync(chromiumPath, constants.X_OK);
    return null;
  } catch {
    return `the browser tests need Chromium at ${chromiumPath}: install it with \`apt-get install -y chromium\` (sudo if not root), then run the tests again`;
  }
}
