import { chromium, type Browser } from "playwright-core";
import { CHROMIUM_PATH } from "./prerequisites";

export { CHROMIUM_PATH };

// Flags: root needs --no-sandbox; the rest keep Chromium from calling out on a closed network.
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-dev-shm-usage",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
  "--disable-default-apps",
];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
}
