// Pagefind's search API over the shards of a large site's index (issue 11), for Pagefind UI
// (overrides/partials/pagefind.html points its bundlePath here, so the UI imports this module
// in place of pagefind/pagefind.js). build_tools/stages/search.py (run_pagefind) splits an
// index of more than PAGES_PER_SHARD pages into shards: pagefind/ and pagefind/shard-N/,
// listed in pagefind/pagefind-shards.json ([] for one index). Every shard is searched
// and the results merged by score, filter counts summed.
//
// Unlike Pagefind's own mergeIndex, a shard's results count only if the shard knows every
// word of the query: Pagefind leaves out of a query a word that its index does not hold, so
// a shard without "Jericho" answers "Jericho Wall" with every page that says "wall".
const bundle = new URL("../../pagefind/", import.meta.url).pathname;
const pagefind = await import(bundle + "pagefind.js");

let settings = {};
let shards = null;

function all() {
  if (!shards) {
    shards = (async () => {
      const listed = await fetch(bundle + "pagefind-shards.json").then((r) => (r.ok ? r.json() : []), () => []);
      const dirs = ["", ...(Array.isArray(listed) ? listed.filter((d) => typeof d === "string") : [])];
      const list = dirs.map((dir) => pagefind.createInstance({ ...settings, basePath: bundle + dir }));
      await Promise.all(list.map((shard) => shard.init()));
      return list;
    })();
  }
  return shards;
}

function sum(counts) {
  const out = {};
  for (const filters of counts) {
    for (const [key, values] of Object.entries(filters || {})) {
      out[key] = out[key] || {};
      for (const [value, n] of Object.entries(values)) out[key][value] = (out[key][value] || 0) + n;
    }
  }
  return out;
}

function zero(counts) {
  const out = {};
  for (const [key, values] of Object.entries(counts || {})) out[key] = Object.fromEntries(Object.keys(values).map((v) => [v, 0]));
  return out;
}

export async function options(opts) {
  settings = { ...settings, ...opts };
  if (shards) await Promise.all((await shards).map((shard) => shard.options(opts)));
}

export async function init() {
  await all();
}

export async function mergeIndex() {
  throw new Error("this site merges its own shards (pagefind-shards.json)");
}

export async function destroy() {
  if (shards) await Promise.all((await shards).map((shard) => shard.destroy()));
  shards = null;
}

export async function filters() {
  return sum(await Promise.all((await all()).map((shard) => shard.filters())));
}

export async function preload(term, opts = {}) {
  await Promise.all((await all()).map((shard) => shard.preload(term, opts)));
}

async function knowsEveryWord(shard, term, opts) {
  if (/^\s*".+"\s*$/.test(term)) return true; // an exact search needs every word already
  const words = term.split(/\s+/).filter((w) => /[\p{L}\p{N}]/u.test(w));
  if (words.length < 2) return true;
  for (const word of words) {
    const alone = await shard.search(word, opts);
    if (!alone.unfilteredResultCount) return false;
  }
  return true;
}

export async function search(term, opts = {}) {
  const list = await all();
  const answers = await Promise.all(
    list.map(async (shard) => {
      const answer = await shard.search(term, opts);
      if (list.length > 1 && term && answer.unfilteredResultCount && !(await knowsEveryWord(shard, term, opts))) {
        return { ...answer, results: [], unfilteredResultCount: 0, filters: zero(answer.filters), totalFilters: zero(answer.totalFilters) };
      }
      return answer;
    }),
  );
  const response = {
    results: answers.flatMap((a) => a.results).sort((a, b) => b.score - a.score),
    unfilteredResultCount: answers.reduce((n, a) => n + a.unfilteredResultCount, 0),
    filters: sum(answers.map((a) => a.filters)),
    totalFilters: sum(answers.map((a) => a.totalFilters)),
    timings: answers.map((a) => a.timings),
  };
  if (answers[0] && answers[0].search_keywords) response.search_keywords = answers[0].search_keywords;
  return response;
}
