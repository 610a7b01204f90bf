// The first step of `npm test`: fail at once, in one line, when the machine lacks what the suite
// needs (Chromium at /usr/bin/chromium), instead of failing the browser tests one by one.
import { missingTestPrerequisite } from "@/test/support/prerequisites";

const missing = missingTestPrerequisite();
if (missing) {
  console.error(`npm test: ${missing}`);
  process.exit(1);
}
