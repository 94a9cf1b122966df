import { gcsLocation, gcsLocationProblem, PREDEFINED_DUAL_REGIONS } from '../../lib/blocks/gcp-locations';

describe('GCS bucket locations for platform.bucketLocation', () => {
  test('region keeps the platform region', () => {
    expect(gcsLocation('europe-west4', 'region')).toBe('EUROPE-WEST4');
    expect(gcsLocationProblem('europe-west4', 'region')).toBeUndefined();
  });

  test('dual-region is the predefined dual-region containing the region', () => {
    expect(gcsLocation('europe-west4', 'dual-region')).toBe('EUR4');
    expect(gcsLocation('europe-north1', 'dual-region')).toBe('EUR4');
    expect(gcsLocation('us-central1', 'dual-region')).toBe('NAM4');
    expect(gcsLocation('asia-northeast1', 'dual-region')).toBe('ASIA1');
    expect(Object.keys(PREDEFINED_DUAL_REGIONS)).toEqual(['ASIA1', 'EUR4', 'NAM4']);
  });

  test('multi-region is the continent multi-region', () => {
    expect(gcsLocation('europe-west4', 'multi-region')).toBe('EU');
    expect(gcsLocation('us-east4', 'multi-region')).toBe('US');
    expect(gcsLocation('asia-southeast1', 'multi-region')).toBe('ASIA');
  });

  test('a region no dual-region or multi-region covers is a problem with its fix', () => {
    expect(gcsLocation('europe-west1', 'dual-region')).toBeUndefined();
    expect(gcsLocationProblem('europe-west1', 'dual-region')).toEqual({
      message: 'is dual-region, but no predefined dual-region contains europe-west1',
      fix: 'use a region of one (asia-northeast1, asia-northeast2, europe-north1, europe-west4, us-central1, us-east1), or bucketLocation `multi-region` or `region`',
    });
    expect(gcsLocationProblem('australia-southeast1', 'multi-region')).toEqual({
      message: 'is multi-region, but no Cloud Storage multi-region covers australia-southeast1',
      fix: 'use a region in ASIA, EU, US (asia-*, europe-*, us-*), or bucketLocation `region`',
    });
  });
});
