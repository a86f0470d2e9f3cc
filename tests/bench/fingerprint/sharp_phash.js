// sharp-phash (libvips, with JPEG shrink-on-load) timed on a folder of JPEGs: prints fingerprints
// per second of process CPU time, with libvips limited to one thread so the figure is per core.
"use strict";
const fs = require("fs");
const path = require("path");
const sharp = require("sharp");
const phash = require("sharp-phash");

async function main() {
  sharp.concurrency(1);
  sharp.cache(false);
  const folder = process.argv[2];
  const rounds = Number(process.argv[3] || 1);
  const datas = fs.readdirSync(folder).filter((f) => f.endsWith(".jpg")).sort()
    .map((f) => fs.readFileSync(path.join(folder, f)));
  await phash(datas[0]);  // warm-up: loads libvips
  const start = process.cpuUsage();
  for (let r = 0; r < rounds; r++) for (const data of datas) await phash(data);
  const used = process.cpuUsage(start);
  console.log(((rounds * datas.length) / ((used.user + used.system) / 1e6)).toFixed(3));
}
main().catch((e) => { console.error(e); process.exit(1); });
