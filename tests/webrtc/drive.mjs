// Opens the echo page of examples/webrtc_echo in headless Chromium and waits
// until the page reports that its peer connection is connected and that its
// inbound-rtp stats show audio packets received from the echo.
//
//   node tests/webrtc/drive.mjs URL [TIMEOUT_MS] [MIN_PACKETS]
//
// Prints one JSON line with what the page last reported, and exits 0 when
// the condition was met in time, 1 when it was not, 2 on usage errors.
// Chromium is started with the flags that keep it off the network.
import { chromium } from 'playwright-core';

const [url, timeoutArg, minArg] = process.argv.slice(2);
if (!url) {
  console.error('usage: node drive.mjs URL [TIMEOUT_MS] [MIN_PACKETS]');
  process.exit(2);
}
const timeoutMs = Number(timeoutArg ?? 20000);
const minPackets = Number(minArg ?? 50);
const executablePath = process.env.CHROMIUM ?? '/usr/bin/chromium';

const browser = await chromium.launch({
  executablePath,
  headless: true,
  args: [
    '--no-sandbox',
    '--use-fake-device-for-media-stream',
    '--use-fake-ui-for-media-stream',
    '--allow-loopback-in-peer-connection',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    '--disable-gpu',
    '--disable-quic',
  ],
});
let last = null;
let ok = false;
try {
  const page = await browser.newPage();
  page.on('console', (m) => console.error(`page: ${m.text()}`));
  await page.goto(url, { timeout: timeoutMs });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    last = await page.evaluate(() => window.mediaplaneStatus ? window.mediaplaneStatus() : null);
    if (last && last.error) break;
    if (last && last.connectionState === 'connected' && last.packetsReceived >= minPackets) {
      ok = true;
      break;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
} catch (e) {
  last = { ...(last ?? {}), error: String(e) };
} finally {
  await browser.close();
}
console.log(JSON.stringify({ ok, ...(last ?? {}) }));
process.exit(ok ? 0 : 1);
