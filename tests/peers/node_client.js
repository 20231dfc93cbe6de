#!/usr/bin/env node
// Node `miio` (0.15.6) client for test captures: connects (which sends
// miIO.info), makes the calls given as JSON and writes what it saw, one call
// a line.
//   node node_client.js IP TOKEN CALLS_JSON TRUTH_OUT
const fs = require('fs');
const miio = require('miio');

async function main() {
  const [ip, token, callsJson, out] = process.argv.slice(2);
  const calls = JSON.parse(callsJson);
  const lines = [];
  const device = await miio.device({ address: ip, token });
  for (const [method, params] of calls) {
    const line = { ip, method, params };
    try {
      line.result = await device.call(method, params, { retries: 1 });
    } catch (e) {
      line.error = { code: e.code, message: e.message };
    }
    lines.push(JSON.stringify(line));
  }
  device.destroy();
  fs.writeFileSync(out, lines.join('\n') + '\n');
}

main().then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });
