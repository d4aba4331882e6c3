import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Notebook, cellText } from '../src/tools/notebook-file';
import { findParametersCell, injectParameters, parameterDeclarations, parseOverride } from '../src/tools/runner/parameters';
import { DEFAULT_CELL_TIMEOUT_SEC, loadProfiles, profileCellTimeoutSec, ProfilesFile, resolveParameters } from '../src/tools/runner/profiles';
import { parseRunArgs, UsageError } from '../src/tools/runner/run-args';

function notebook(parameters: string): Notebook {
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {},
    cells: [
      { id: 'intro', cell_type: 'markdown', metadata: {}, source: '# T' },
      { id: 'params', cell_type: 'code', metadata: { tags: ['parameters'] }, source: parameters, execution_count: null, outputs: [] },
      { id: 'body', cell_type: 'code', metadata: {}, source: 'console.log(epochs)', execution_count: null, outputs: [] },
    ],
  };
}

describe('parameters cell', () => {
  it('finds variables declared one per line, with or without type annotations', () => {
    const declared = parameterDeclarations(
      'let epochs = 10;\nlet learningRate: number = 1e-3; // lr\nconst SEED = 1;\n  let label: string = "x";\n// let commented = 1\n',
    );
    expect([...declared.entries()]).toEqual([
      ['epochs', 'let'],
      ['learningRate', 'let'],
      ['SEED', 'const'],
      ['label', 'let'],
    ]);
  });

  it('inserts the injected cell right after the parameters cell, tagged and quiet', () => {
    const nb = injectParameters(notebook('let epochs = 10;'), { epochs: 2, name: 'a"b', sizes: [1, 2] }, 'profile "smoke"');
    expect(nb.cells.map((c) => c.id)).toEqual(['intro', 'params', 'injected-parameters', 'body']);
    const injected = nb.cells[2];
    expect(injected.metadata.tags).toEqual(['injected-parameters']);
    expect(cellText(injected)).toBe('// Parameters injected by the vaelab runner (profile "smoke")\nepochs = 2;\nname = "a\\"b";\nsizes = [1,2];\n;');
    // Running it twice does not inject twice; no values means no cell.
    expect(injectParameters(nb, { epochs: 3 }, 'x').cells.filter((c) => c.id?.startsWith('injected')).length).toBe(1);
    expect(injectParameters(notebook('let epochs = 1;'), {}, 'x').cells).toHaveLength(3);
  });

  it('refuses two cells tagged parameters', () => {
    const nb = notebook('let a = 1;');
    nb.cells[2].metadata.tags = ['parameters'];
    expect(() => findParametersCell(nb.cells)).toThrow(/more than one cell is tagged "parameters"/);
  });
});

describe('--set', () => {
  it('parses JSON values, plain strings and notebook-scoped names', () => {
    expect(parseOverride('epochs=3')).toEqual({ name: 'epochs', value: 3 });
    expect(parseOverride('lr=1e-3')).toEqual({ name: 'lr', value: 0.001 });
    expect(parseOverride('flag=true')).toEqual({ name: 'flag', value: true });
    expect(parseOverride('noise=gaussian')).toEqual({ name: 'noise', value: 'gaussian', notJson: expect.stringMatching(/JSON/) });
    expect(parseOverride('dims=[2,16]')).toEqual({ name: 'dims', value: [2, 16] });
    expect(parseOverride('07_vae.epochs=5')).toEqual({ notebook: '07_vae', name: 'epochs', value: 5 });
  });

  it('rejects malformed overrides with what was expected', () => {
    expect(() => parseOverride('epochs')).toThrow(/malformed --set "epochs": expected name=value/);
    expect(() => parseOverride('=3')).toThrow(TypeError);
    expect(() => parseOverride('epochs=')).toThrow(/value is empty/);
    expect(() => parseOverride('2x=1')).toThrow(/"2x" is not a variable name/);
    expect(() => parseOverride('.x=1')).toThrow(TypeError);
  });
});

describe('profiles', () => {
  const profiles: ProfilesFile = {
    default: 'quick',
    profiles: {
      smoke: { defaults: { epochs: 1, trainCount: 256 }, notebooks: { '07_vae': { latentDim: 2 } } },
      quick: { defaults: { epochs: 5 } },
      broken: { notebooks: { '07_vae': { typo: 1 } } },
    },
  };
  const declared = parameterDeclarations('let epochs = 20;\nlet latentDim = 16;\nconst SEED = 1;');

  it('merges defaults the notebook declares, its own values and --set (later wins)', () => {
    const r = resolveParameters(profiles, 'smoke', '07_vae', declared, [
      { name: 'epochs', value: 2 },
      { name: 'unrelated', value: 1 },
      { notebook: 'other', name: 'zzz', value: 1 },
    ]);
    expect(r.values).toEqual({ epochs: 2, latentDim: 2 });
    expect(r.origin).toBe('profile "smoke", --set epochs=2');
  });

  it('rejects values for variables the notebook does not declare with let', () => {
    expect(() => resolveParameters(profiles, 'broken', '07_vae', declared)).toThrow(
      /sets "typo" in 07_vae, but its parameters cell declares no such variable \(it declares: epochs, latentDim\)/,
    );
    expect(() => resolveParameters(profiles, 'quick', '07_vae', declared, [{ notebook: '07_vae', name: 'nope', value: 1 }])).toThrow(
      /--set sets "nope"/,
    );
    expect(() => resolveParameters(profiles, 'quick', '07_vae', declared, [{ name: 'SEED', value: 2 }])).toThrow(
      /declares it with const; declare it with let/,
    );
    expect(() => resolveParameters(profiles, 'nope', '07_vae', declared)).toThrow(/unknown profile "nope"/);
  });

  it('loads profiles.json, checks its shape, and gives smoke/quick/full when it is missing', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vaelab-profiles-'));
    try {
      expect(Object.keys(loadProfiles(path.join(dir, 'none.json')).profiles)).toEqual(['smoke', 'quick', 'full']);
      const file = path.join(dir, 'profiles.json');
      fs.writeFileSync(file, JSON.stringify({ profiles: { smoke: { defaults: [] } } }));
      expect(() => loadProfiles(file)).toThrow(/profiles\.smoke\.defaults must be an object/);
      fs.writeFileSync(file, JSON.stringify({ default: 'x', profiles: { smoke: {} } }));
      expect(() => loadProfiles(file)).toThrow(/"default" must name one of the profiles/);
      // The repository's own profiles file is valid.
      const repo = loadProfiles(path.join(__dirname, '..', 'solutions', 'profiles.json'));
      expect(Object.keys(repo.profiles)).toEqual(expect.arrayContaining(['smoke', 'quick', 'full']));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('per-profile cell time limit', () => {
  it("uses the profile's cellTimeoutSec, else the default, and rejects a bad value", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vaelab-profiles-'));
    try {
      const file = path.join(dir, 'profiles.json');
      fs.writeFileSync(file, JSON.stringify({ profiles: { quick: {}, full: { cellTimeoutSec: 7200 } } }));
      const loaded = loadProfiles(file);
      expect(profileCellTimeoutSec(loaded, 'full')).toBe(7200);
      expect(profileCellTimeoutSec(loaded, 'quick')).toBe(DEFAULT_CELL_TIMEOUT_SEC);
      fs.writeFileSync(file, JSON.stringify({ profiles: { full: { cellTimeoutSec: '2h' } } }));
      expect(() => loadProfiles(file)).toThrow(/profiles\.full\.cellTimeoutSec must be a positive number of seconds, got "2h"/);
      // The repository's full profile trains for hours on wasm: its cells get more than the default.
      const repo = loadProfiles(path.join(__dirname, '..', 'solutions', 'profiles.json'));
      expect(profileCellTimeoutSec(repo, 'full')).toBeGreaterThan(DEFAULT_CELL_TIMEOUT_SEC);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('leaves the limit to the profile unless --timeout is given', () => {
    expect(parseRunArgs(['01']).timeoutSec).toBeUndefined();
    expect(parseRunArgs(['01', '--timeout', '45']).timeoutSec).toBe(45);
  });
});

describe('runner arguments', () => {
  it('parses notebooks and options in both --flag value and --flag=value forms', () => {
    expect(
      parseRunArgs(['07_vae', '--profile', 'smoke', '--set', 'epochs=1', '--set=lr=0.01', '--out=/tmp/x', '--timeout', '30', '08', '--jobs', '2']),
    ).toEqual({
      notebooks: ['07_vae', '08'],
      profile: 'smoke',
      overrides: [
        { name: 'epochs', value: 1 },
        { name: 'lr', value: 0.01 },
      ],
      out: '/tmp/x',
      timeoutSec: 30,
      jobs: 2,
      help: false,
    });
    expect(parseRunArgs(['-h']).help).toBe(true);
  });

  it('rejects unknown options, missing values, bad timeouts and malformed --set as usage errors', () => {
    expect(() => parseRunArgs(['--fast'])).toThrow(UsageError);
    expect(() => parseRunArgs(['--profile'])).toThrow(/--profile needs a value/);
    expect(() => parseRunArgs(['--timeout', '-1'])).toThrow(/positive number of seconds/);
    expect(() => parseRunArgs(['--jobs', '1.5'])).toThrow(/--jobs expects a whole number/);
    expect(() => parseRunArgs(['--set', 'epochs'])).toThrow(UsageError);
  });
});
