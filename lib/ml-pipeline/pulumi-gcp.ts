export type MlPipelineGcpChildren = Record<string, never>;
export function renderGcp(): never {
  throw new Error('todo');
}
