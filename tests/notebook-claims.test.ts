/**
 * Claims without a kernel: `claim` / `claimBelow` / `claimAbove` (verdict, evidence, display, bad
 * input), the answer template filler, the profile property `enforceClaims`, the summary schema
 * with claims and the report's claims table (escaped).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { AnswerTemplateError, answer, fillAnswer } from '../src/notebook/answer';
import type { TslabDisplayMessage } from '../src/util/tslab-display';
import { CLAIM_MIME_TYPE, claim, claimAbove, claimBelow, claimFromOutputData, ClaimRecord } from '../src/notebook/claims';
import { loadProfiles, profileEnforcesClaims } from '../src/tools/runner/profiles';
import { renderReportHtml, RunSummary } from '../src/tools/runner/report';
import { summarySchemaErrors } from './summary-schema';

/** A display channel that records what it was given. */
function recorder(): { messages: TslabDisplayMessage[]; writer: (m: TslabDisplayMessage) => void } {
  const messages: TslabDisplayMessage[] = [];
  return { messages, writer: (m) => void messages.push(m) };
}

describe('claim', () => {
  it('sends the record under the claim MIME type and shows a one-line verdict with its numbers', () => {
    const { messages, writer } = recorder();
    const made = claim('beats-baseline', 'the model beats the baseline', { held: 0.03 < 0.05, evidence: { mse: 0.03, baseline: 0.05 } }, { writer });
    expect(made).toEqual({ id: 'beats-baseline', statement: 'the model beats the baseline', held: true, evidence: { mse: 0.03, baseline: 0.05 } });
    expect(messages).toHaveLength(1);
    expect(messages[0].data[CLAIM_MIME_TYPE]).toEqual(made);
    expect(messages[0].data['text/plain']).toBe('✓ the model beats the baseline (mse = 0.03, baseline = 0.05)');

    claim('loses', 'the model beats the baseline', { held: false, evidence: { mse: 0.07 } }, { writer });
    expect(messages[1].data['text/plain']).toBe('✗ not shown by this run: the model beats the baseline (mse = 0.07)');
  });

  it('prints the line when no kernel is running', () => {
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      claim('c', 'it holds', { held: true, evidence: { n: 3 } }, { writer: null });
      expect(log).toHaveBeenCalledWith('✓ it holds (n = 3)');
    } finally {
      log.mockRestore();
    }
  });

  it('refuses a claim that is not decided by the run: bad id, empty statement, held not a boolean, no evidence', () => {
    const writer = () => undefined;
    const ok = { held: true, evidence: { x: 1 } };
    expect(() => claim('1bad', 'statement', ok, { writer })).toThrow(/id must start with a letter/);
    expect(() => claim('id', '  ', ok, { writer })).toThrow(/statement must be a non-empty sentence/);
    // a truthy number is not a verdict: held must be computed as a boolean
    expect(() => claim('id', 'statement', { held: 0.03 as unknown as boolean, evidence: { x: 1 } }, { writer })).toThrow(
      /held must be a boolean.*got number/,
    );
    expect(() => claim('id', 'statement', { held: true, evidence: {} }, { writer })).toThrow(/evidence must be an object with at least one/);
    expect(() => claim('id', 'statement', { held: true, evidence: { x: [1] as unknown as number } }, { writer })).toThrow(
      /evidence "x" must be a number, string or boolean, got object/,
    );
    expect(() => claim('id', 'statement', { held: true, evidence: { 'bad name': 1 } }, { writer })).toThrow(/evidence name "bad name"/);
  });

  it('claimBelow / claimAbove decide strictly from the two numbers and keep both as evidence; NaN never holds', () => {
    const writer = () => undefined;
    expect(claimBelow('a', 's', 1, 2, {}, { writer })).toMatchObject({ held: true, evidence: { value: 1, bound: 2 } });
    expect(claimBelow('a', 's', 2, 2, {}, { writer }).held).toBe(false);
    expect(claimAbove('a', 's', 3, 2, { value: 'psnr', bound: 'floor' }, { writer })).toMatchObject({ held: true, evidence: { psnr: 3, floor: 2 } });
    expect(claimAbove('a', 's', 2, 2, {}, { writer }).held).toBe(false);
    const nan = claimBelow('a', 's', NaN, 2, {}, { writer });
    expect(nan.held).toBe(false);
    expect(nan.evidence).toEqual({ value: 'NaN', bound: 2 });
    expect(claimAbove('a', 's', NaN, 2, {}, { writer }).held).toBe(false);
    expect(() => claimBelow('a', 's', 1, 2, { value: 'x', bound: 'x' }, { writer })).toThrow(/different evidence names/);
    expect(() => claimBelow('a', 's', '1' as unknown as number, 2, {}, { writer })).toThrow(/value must be a number, got string/);
  });

  it('claimFromOutputData reads a record back and ignores malformed ones', () => {
    const record: ClaimRecord = { id: 'x', statement: 'st', held: false, evidence: { v: 'NaN' } };
    expect(claimFromOutputData({ [CLAIM_MIME_TYPE]: record })).toEqual(record);
    expect(claimFromOutputData({ 'text/plain': 'x' })).toBeNull();
    expect(claimFromOutputData({ [CLAIM_MIME_TYPE]: { ...record, held: 'yes' } })).toBeNull();
  });
});

describe('fillAnswer (answer templates)', () => {
  const held: ClaimRecord = { id: 'fcn-beats-mean', statement: 'the FCN beats the mean image', held: true, evidence: { mse: 0.0362, bound: 0.05 } };
  const failed: ClaimRecord = {
    id: 'conv-beats-mean',
    statement: 'the conv AE beats the mean image',
    held: false,
    evidence: { mse: 0.07, bound: 0.067 },
  };

  it('fills values with their formats and leaves single braces (LaTeX) alone', () => {
    const text = fillAnswer('MSE {{mse}}, {{mse:.2}}, {{mse:1}}; {{share:%}} of {{count}} images ({{word}}); $\\frac{1}{n}$', {
      values: { mse: 0.036206, share: 0.8734, count: 1000, word: 'test' },
    });
    expect(text).toBe('MSE 0.0362, 0.04, 0.04; 87.3% of 1000 images (test); $\\frac{1}{n}$');
  });

  it('picks the held or the not-held sentence per claim and states claims with their numbers', () => {
    const template =
      '{{#held fcn-beats-mean}}The FCN ({{fcn-beats-mean.mse:.4}}) beats the mean image.{{else}}The FCN did not beat the mean image.{{/held}} ' +
      '{{#held conv-beats-mean}}The conv AE beats it too.{{else}}This run did not show the conv AE beating it ({{conv-beats-mean.mse}} against {{conv-beats-mean.bound}}): two numbers per image and few epochs can leave it near the average.{{/held}}\n' +
      '{{claim:conv-beats-mean}}';
    expect(fillAnswer(template, { claims: [held, failed] })).toBe(
      'The FCN (0.0362) beats the mean image. This run did not show the conv AE beating it (0.07 against 0.067): two numbers per image and few epochs can leave it near the average.\n' +
        '✗ not shown by this run: the conv AE beats the mean image (mse = 0.07, bound = 0.067)',
    );
  });

  it('a missing value is a clear error naming it and what is there, never a blank', () => {
    let error: unknown;
    try {
      fillAnswer('MSE {{msee}}.', { values: { mse: 0.1 } });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(AnswerTemplateError);
    expect((error as Error).message).toBe('answer template: {{msee}}: no value "msee" among the facts (values: mse)');
  });

  it('lists every problem: unknown claim, block without {{else}}, bad format, malformed placeholder', () => {
    const template =
      '{{#held nope}}a{{else}}b{{/held}} {{#held fcn-beats-mean}}only the good news{{/held}} {{mse:x}} {{ 1x }} {{claim:gone}} {{word:.2}}';
    let problems: ReadonlyArray<string> = [];
    try {
      fillAnswer(template, { values: { mse: 0.1, word: 'w' }, claims: [held] });
    } catch (err) {
      problems = (err as AnswerTemplateError).problems;
    }
    expect(problems).toEqual([
      '{{#held nope}}: no claim "nope" among the facts (claims: fcn-beats-mean)',
      '{{#held fcn-beats-mean}} needs an {{else}} part saying plainly what this run showed instead and why that can happen',
      '{{mse:x}}: unknown format "x" (expected .N for N decimals, N for N significant digits, or %)',
      'malformed placeholder {{ 1x }} (expected {{name}}, {{name:.4}}, {{claim:id}} or {{#held id}}…{{else}}…{{/held}})',
      '{{claim:gone}}: no claim "gone" among the facts (claims: fcn-beats-mean)',
      '{{word:.2}} formats a number, but "word" is "w"',
    ]);
  });

  it('answer() shows the filled Markdown on the display channel', () => {
    const { messages, writer } = recorder();
    expect(answer('**Answer.** {{n}} runs.', { values: { n: 4 } }, { writer })).toBeUndefined();
    expect(messages[0].data['text/markdown']).toBe('**Answer.** 4 runs.');
    expect(() => answer('{{n}}', {}, { writer })).toThrow(AnswerTemplateError);
    expect(messages).toHaveLength(1);
  });
});

describe('profiles: enforceClaims is a property of the profile', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vaelab-claims-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('is read from the file (true when absent), whatever the profile is called, and must be a boolean', () => {
    const file = path.join(dir, 'profiles.json');
    fs.writeFileSync(file, JSON.stringify({ profiles: { smoke: { enforceClaims: true }, quick: { enforceClaims: false }, other: {} } }));
    const profiles = loadProfiles(file);
    expect(profileEnforcesClaims(profiles, 'smoke')).toBe(true);
    expect(profileEnforcesClaims(profiles, 'quick')).toBe(false);
    expect(profileEnforcesClaims(profiles, 'other')).toBe(true);
    fs.writeFileSync(file, JSON.stringify({ profiles: { quick: { enforceClaims: 'yes' } } }));
    expect(() => loadProfiles(file)).toThrow(/profiles\.quick\.enforceClaims must be true or false, got "yes"/);
  });

  it('the repository profiles: smoke reports claims, quick and full enforce them; without a file smoke still does not enforce', () => {
    const repo = loadProfiles(path.resolve(__dirname, '..', 'solutions', 'profiles.json'));
    expect(['smoke', 'quick', 'full'].map((p) => profileEnforcesClaims(repo, p))).toEqual([false, true, true]);
    const standard = loadProfiles(path.join(dir, 'missing.json'));
    expect(['smoke', 'quick', 'full'].map((p) => profileEnforcesClaims(standard, p))).toEqual([false, true, true]);
  });
});

type NotebookEntry = RunSummary['notebooks'][number];

function entry(claims: ClaimRecord[], status: NotebookEntry['status']): NotebookEntry {
  return {
    name: '01_autoencoders',
    source: '/course/solutions/01_autoencoders.ipynb',
    output: '/course/out/run/01_autoencoders.ipynb',
    outputDir: '/course/out/run/01_autoencoders',
    outputRelative: '01_autoencoders.ipynb',
    status,
    durationSec: 1,
    codeCells: 2,
    executedCells: 2,
    failure: null,
    published: {},
    claims,
    parameters: {},
    figures: [],
    backend: 'wasm',
    wasmThreads: 1,
    kernelPid: 7,
  };
}

function runSummary(notebooks: NotebookEntry[], claimsEnforced: boolean): RunSummary {
  return {
    status: notebooks.every((n) => n.status === 'ok') ? 'ok' : 'failed',
    profile: claimsEnforced ? 'quick' : 'smoke',
    claimsEnforced,
    startedAt: '2026-12-03T12:00:00.000Z',
    durationSec: 2,
    outDir: '/course/out/run',
    versions: { node: 'v20.1.0', tfjs: '4.22.0', tslab: '1.0.22', typescript: '5.9.3', vaelab: '0.1.0' },
    notebooks,
  };
}

describe('summary schema and report with claims', () => {
  const good: ClaimRecord = { id: 'fcn-beats-mean', statement: 'the FCN beats the mean image', held: true, evidence: { mse: 0.0362, bound: 0.05 } };
  const bad: ClaimRecord = {
    id: 'conv-beats-mean',
    statement: 'the conv AE beats the mean image',
    held: false,
    evidence: { mse: 'NaN', bound: 0.067 },
  };

  it('a summary with claims and the status "lesson not shown" is valid; malformed claims are not', () => {
    expect(summarySchemaErrors(runSummary([entry([good, bad], 'lesson not shown')], true))).toEqual([]);
    const noHeld = { ...bad } as Partial<ClaimRecord>;
    delete noHeld.held;
    expect(summarySchemaErrors(runSummary([entry([noHeld as ClaimRecord], 'ok')], false)).join('\n')).toMatch(
      /claims\/0 must have required property 'held'/,
    );
    expect(summarySchemaErrors(runSummary([entry([{ ...good, evidence: {} }], 'ok')], false)).join('\n')).toMatch(
      /evidence must NOT have fewer than 1 properties/,
    );
    const withoutClaims = runSummary([entry([], 'ok')], false) as unknown as { notebooks: Array<Record<string, unknown>>; claimsEnforced?: boolean };
    delete withoutClaims.notebooks[0].claims;
    delete withoutClaims.claimsEnforced;
    const errors = summarySchemaErrors(withoutClaims).join('\n');
    expect(errors).toMatch(/must have required property 'claimsEnforced'/);
    expect(errors).toMatch(/notebooks\/0 must have required property 'claims'/);
  });

  it('shows each claim with a held / not held badge, its statement and evidence, and the count held', () => {
    const html = renderReportHtml(runSummary([entry([good, bad], 'lesson not shown')], true));
    expect(html).toContain('claims held 1/2 · profile');
    expect(html).toContain('<span class="badge lesson-not-shown">lesson not shown</span>');
    expect(html).toContain('Claims held 1/2</p>');
    expect(html).toContain(
      '<tr class="claim-held"><td><span class="badge held">held</span></td><td><code>fcn-beats-mean</code></td><td>the FCN beats the mean image</td><td>mse = 0.0362, bound = 0.05</td></tr>',
    );
    expect(html).toContain('<tr class="claim-not-held"><td><span class="badge not-held">not held</span></td>');
    expect(html).toContain('<td>mse = NaN, bound = 0.067</td>');
    const smoke = renderReportHtml(runSummary([entry([good, bad], 'ok')], false));
    expect(smoke).toContain('Claims held 1/2 (reported, not enforced in this profile)</p>');
    expect(smoke).toContain('claims held 1/2 (not enforced) · profile');
  });

  it('escapes everything a claim carries: id, statement, evidence names and values', () => {
    const hostile: ClaimRecord = {
      id: 'x"><script>alert(1)</script>',
      statement: '<img src=x onerror="alert(2)"> & it\'s <b>bold</b>',
      held: false,
      evidence: { '<i>name</i>': '<script>v</script>' },
    };
    const html = renderReportHtml(runSummary([entry([hostile], 'ok')], false));
    expect(html).not.toMatch(/<script>|<img|<b>bold|<i>name/);
    expect(html).toContain('<code>x&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;</code>');
    expect(html).toContain('<td>&lt;img src=x onerror=&quot;alert(2)&quot;&gt; &amp; it&#39;s &lt;b&gt;bold&lt;/b&gt;</td>');
    expect(html).toContain('<td>&lt;i&gt;name&lt;/i&gt; = &lt;script&gt;v&lt;/script&gt;</td>');
  });
});
