import { notebookProfile, publish, PUBLISH_MIME_TYPE } from '../src/notebook/publish';

describe('publish outside a notebook', () => {
  let log: jest.SpyInstance;
  beforeEach(() => {
    log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
  });
  afterEach(() => log.mockRestore());

  it('prints the value for people when no tslab kernel is running', () => {
    publish('test_psnr_db', 18.23456789);
    publish('epochs', 3);
    publish('backend', 'wasm');
    publish('loss', Number.NaN);
    expect(log.mock.calls.map((c) => c[0])).toEqual([
      'publish: test_psnr_db = 18.2346',
      'publish: epochs = 3',
      'publish: backend = wasm',
      'publish: loss = NaN',
    ]);
  });

  it('rejects names that are not identifiers and values that are not numbers, strings or booleans', () => {
    expect(() => publish('', 1)).toThrow(TypeError);
    expect(() => publish('test psnr', 1)).toThrow(/name must start with a letter/);
    expect(() => publish('x', { a: 1 } as unknown as number)).toThrow(/value of "x" must be a number, string or boolean; got object/);
  });

  it('uses a vendor MIME type ending in +json, so Jupyter stores the record as JSON', () => {
    expect(PUBLISH_MIME_TYPE).toMatch(/^application\/vnd\.[\w.]+\+json$/);
  });
});

describe('notebookProfile', () => {
  const saved = process.env.VAELAB_PROFILE;
  afterEach(() => {
    if (saved === undefined) delete process.env.VAELAB_PROFILE;
    else process.env.VAELAB_PROFILE = saved;
  });
  it('is the runner profile from VAELAB_PROFILE, or null when run by hand', () => {
    delete process.env.VAELAB_PROFILE;
    expect(notebookProfile()).toBeNull();
    process.env.VAELAB_PROFILE = 'smoke';
    expect(notebookProfile()).toBe('smoke');
  });
});
