// The first step of `npm test`: fail at once, in one line, when the machine lacks what the suite
// needs (Chromium at /usr/bin/chromium, OpenSSH's sshd and ssh), instead of failing tests one by one.
import { missingSshPrerequisite, missingTestPrerequisite } from "@/test/support/prerequisites";

const missing = [missingTestPrerequisite(), missingSshPrerequisite()].filter(Boolean);
if (missing.length > 0) {
  for (const line of missing) console.error(`npm test: ${line}`);
  process.exit(1);
}
