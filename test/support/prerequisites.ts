import { accessSync, constants } from "node:fs";

/** The browser tests drive Debian's Chromium, never a downloaded build. */
export const CHROMIUM_PATH = "/usr/bin/chromium";

/** The SSH deploy-key tests run OpenSSH's own server and client (Debian's openssh-server, openssh-client). */
export const SSH_PATHS = { sshd: "/usr/sbin/sshd", ssh: "/usr/bin/ssh" };

const executable = (file: string) => {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/** One line saying what the browser tests need and how to get it, or null when the machine has it. */
export function missingTestPrerequisite(chromiumPath: string = CHROMIUM_PATH): string | null {
  if (executable(chromiumPath)) return null;
  return `the browser tests need Chromium at ${chromiumPath}: install it with \`apt-get install -y chromium\` (sudo if not root), then run the tests again`;
}

/** One line saying what the SSH git tests need and how to get it, or null when the machine has it. */
export function missingSshPrerequisite(paths: { sshd: string; ssh: string } = SSH_PATHS): string | null {
  const missing = [paths.sshd, paths.ssh].filter((file) => !executable(file));
  if (missing.length === 0) return null;
  return `the git deploy-key tests need OpenSSH at ${missing.join(" and ")}: install it with \`apt-get install -y openssh-server openssh-client\` (sudo if not root), then run the tests again`;
}
