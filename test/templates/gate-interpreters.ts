/**
 * The gates as each engine evaluates them, for running the generated gates over real metrics files:
 * - SageMaker: a condition step's `Conditions` (all must hold; `Or`, `Equals` and the comparisons). Like
 *   SageMaker it resolves every operand before it evaluates any condition, and a `Std:JsonGet` whose path
 *   holds nothing fails the step.
 * - Workflows: the gate expression, translated to JavaScript (it uses only `double()`, `and`, `or`, `not`,
 *   comparisons and map access, which mean the same there).
 */
type Json = Record<string, any>;

function resolve(
  operand: unknown,
  files: Record<string, Json>,
  parameters: Record<string, unknown>,
): unknown {
  if (typeof operand !== 'object' || operand === null) return operand;
  const o = operand as Json;
  if (typeof o.Get === 'string') {
    const name = /^Parameters\.(.+)$/.exec(o.Get)?.[1];
    if (name === undefined || parameters[name] === undefined) throw new Error(`${o.Get} is undefined`);
    return parameters[name];
  }
  if (o['Std:JsonGet']) {
    const { PropertyFile, Path } = o['Std:JsonGet'];
    const file = /^Steps\.[^.]+\.PropertyFiles\.(.+)$/.exec(PropertyFile.Get)?.[1];
    let value: unknown = file === undefined ? undefined : files[file];
    for (const key of String(Path).split('.')) value = (value as Json | undefined)?.[key];
    if (value === undefined || value === null) throw new Error(`Invalid json path '${Path}' in ${file}`);
    return value;
  }
  throw new Error(`unsupported operand ${JSON.stringify(operand)}`);
}

/** A SageMaker condition step's outcome over the given property files and parameters. */
export function sagemakerGate(
  conditions: readonly Json[],
  files: Record<string, Json>,
  parameters: Record<string, unknown> = {},
): boolean {
  const evaluate = (c: Json): boolean => {
    if (c.Type === 'Or') {
      const outcomes = (c.Conditions as Json[]).map(evaluate); // every operand is resolved first
      return outcomes.some(Boolean);
    }
    const left = resolve(c.LeftValue, files, parameters);
    const right = resolve(c.RightValue, files, parameters);
    if (c.Type === 'Equals') {
      if (typeof left !== typeof right)
        throw new Error(`${String(left)} and ${String(right)} differ in type`);
      return left === right;
    }
    if (typeof left !== 'number' || typeof right !== 'number')
      throw new Error(`${c.Type} needs numbers: ${String(left)}, ${String(right)}`);
    switch (c.Type) {
      case 'GreaterThan':
        return left > right;
      case 'GreaterThanOrEqualTo':
        return left >= right;
      case 'LessThan':
        return left < right;
      case 'LessThanOrEqualTo':
        return left <= right;
    }
    throw new Error(`unsupported condition ${String(c.Type)}`);
  };
  const outcomes = conditions.map(evaluate);
  return outcomes.every(Boolean);
}

/** A Workflows gate expression's value for the given variables. */
export function workflowsGate(expression: string, variables: Record<string, unknown>): boolean {
  const body = /^\$\{(.*)\}$/s.exec(expression)?.[1];
  if (body === undefined) throw new Error(`not an expression: ${expression}`);
  const js = body
    .replace(/\bdouble\(/g, 'Number(')
    .replace(/\band\b/g, '&&')
    .replace(/\bor\b/g, '||')
    .replace(/\bnot\b/g, '!');
  const names = Object.keys(variables);
  const result = new Function(...names, `return (${js});`)(...names.map((n) => variables[n]));
  if (typeof result !== 'boolean') throw new Error(`${expression} gave ${String(result)}`);
  return result;
}
