import * as pulumi from '@pulumi/pulumi';
import { assignOutputs, declareOutputs } from '../../lib/core/outputs';
import { childrenByCloud, renderOnCloud } from '../../lib/core/render-switch';
import type { Cloud } from '../../lib/core/stage';

interface Rendered {
  readonly name: string;
  readonly id: string;
  readonly children: { readonly made: string };
}

function loaders(loaded: string[]) {
  const renderer = (cloud: Cloud) => () => {
    loaded.push(cloud);
    return (spec: { platform: { cloud: Cloud } }) => ({
      name: `${spec.platform.cloud}-name`,
      id: `${spec.platform.cloud}-id`,
      children: { made: cloud },
    });
  };
  return { aws: renderer('aws'), gcp: renderer('gcp'), docker: renderer('docker') };
}

const parent = {} as pulumi.ComponentResource;

test.each(['aws', 'gcp', 'docker'] as const)('on %s only that cloud’s loader runs', (cloud) => {
  const loaded: string[] = [];
  const result = renderOnCloud<{ platform: { cloud: Cloud } }, Record<Cloud, Rendered>>(
    { platform: { cloud } },
    parent,
    loaders(loaded),
  );
  expect(loaded).toEqual([cloud]);
  expect(result.cloud).toBe(cloud);
  expect(result.rendered).toEqual({ name: `${cloud}-name`, id: `${cloud}-id`, children: { made: cloud } });
  expect(childrenByCloud(result)).toEqual({ [cloud]: { made: cloud } });
});

test('the renderer receives the spec and the parent', () => {
  const seen: unknown[] = [];
  const spec = { platform: { cloud: 'gcp' as Cloud } };
  const fail = () => () => {
    throw new Error('loaded the wrong cloud');
  };
  renderOnCloud(spec, parent, {
    aws: fail,
    docker: fail,
    gcp: () => (s: unknown, p: unknown) => {
      seen.push(s, p);
      return {};
    },
  });
  expect(seen).toEqual([spec, parent]);
});

test('one output list sets the fields and is what gets registered', () => {
  const names = declareOutputs<Rendered>({ name: true, id: true });
  expect(names).toEqual(['name', 'id']);
  const component = {} as pulumi.ComponentResource;
  const registered = assignOutputs(component, names, { name: 'n', id: 'i', children: { made: 'aws' } });
  expect(registered).toEqual({ name: 'n', id: 'i' });
  expect(component).toEqual({ name: 'n', id: 'i' });
});
