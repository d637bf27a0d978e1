// Pagefind's search API over the shards of a large site's index (issue 11), for Pagefind UI:
// overrides/partials/pagefind.html points the UI's bundlePath here, so the UI imports this
// module in place of pagefind/pagefind.js. build_tools/stages/search.py (run_pagefind) splits
// an index of more than PAGES_PER_SHARD pages into shards, pagefind/ and pagefind/shard-N/,
// listed in pagefind/pagefind-shards.json ([] for one index: then this module only passes
// the calls on). The shards are merged with Pagefind's own mergeIndex (one WebAssembly core,
// one worker), each tagged with a hidden synthetic filter "shard".
//
// Pagefind leaves out of a query a word its index does not hold, so merged as they are, a
// shard without "Jericho" would answer "Jericho Wall" with every page that says "wall". For a
// query of several words, each word is looked up alone first, and the query is then run on
// the shards that know every word (the filter "shard", which the reader does not see).
const bundle = new URL("../../pagefind/", import.meta.url).pathname;
const pagefind = await import(bundle + "pagefind.js");
const SHARD = "shard";

let settings = {};
let ready = null;

function setup() {
  if (!ready) {
    ready = (async () => {
      const listed = await fetch(bundle + "pagefind-shards.json").then((r) => (r.ok ? r.json() : []), () => []);
      const dirs = Array.isArray(listed) ? listed.filter((d) => typeof d === "string") : [];
      await pagefind.options(dirs.length ? { ...settings, mergeFilter: { [SHARD]: "0" } } : settings);
      await pagefind.init();
      for (const [n, dir] of dirs.entries()) {
        await pagefind.mergeIndex(bundle + dir, { ...settings, mergeFilter: { [SHARD]: String(n + 1) } });
      }
      return dirs.length + 1;
    })();
  }
  return ready;
}

function hide(counts) {
  if (counts && typeof counts === "object") delete counts[SHARD];
  return counts;
}

export async function options(opts) {
  settings = { ...settings, ...opts };
  if (ready) await pagefind.options(opts);
}

export async function init() {
  await setup();
}

export async function mergeIndex() {
  throw new Error("this site merges its own shards (pagefind-shards.json)");
}

export async function destroy() {
  await pagefind.destroy();
  ready = null;
}

export async function filters() {
  await setup();
  return hide(await pagefind.filters());
}

export async function preload(term, opts = {}) {
  await setup();
  await pagefind.preload(term, opts);
}

export async function search(term, opts = {}) {
  const shards = await setup();
  const words = typeof term === "string" ? term.split(/\s+/).filter((w) => /[\p{L}\p{N}]/u.test(w)) : [];
  if (shards === 1 || words.length < 2 || /^\s*".+"\s*$/.test(term)) {
    const answer = await pagefind.search(term, opts);
    hide(answer.filters);
    hide(answer.totalFilters);
    return answer;
  }
  let known = null;
  for (const word of words) {
    const alone = await pagefind.search(word, {});
    const per = (alone.totalFilters && alone.totalFilters[SHARD]) || {};
    const here = Object.keys(per).filter((n) => per[n] > 0);
    known = known ? known.filter((n) => here.includes(n)) : here;
  }
  const filters = { ...(opts.filters || {}), [SHARD]: { any: known } };
  const answer = await pagefind.search(term, { ...opts, filters });
  hide(answer.filters);
  hide(answer.totalFilters);
  return answer;
}
