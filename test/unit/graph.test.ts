// The pipeline DAG: flattened branches, edges from DependsOn, references and conditions, order,
// cycles, and the text / Mermaid / DOT renderings.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DefinitionError } from '../../src/errors.js';
import type { PipelineDefinition, PipelineStep } from '../../src/engine/definition-types.js';
import { type GraphEdge, buildGraph } from '../../src/engine/graph.js';
import { renderGraph } from '../../src/engine/graph-render.js';
import { parseDefinition } from '../../src/engine/load-definition.js';

const FIXTURES = path.resolve(import.meta.dirname, '../../fixtures/definitions');
const fixture = (name: string): PipelineDefinition => parseDefinition(readFileSync(path.join(FIXTURES, name), 'utf8'), name);

const fail = (name: string, extra: Partial<PipelineStep> = {}, message: unknown = 'x'): PipelineStep =>
  ({ Name: name, Type: 'Fail', Arguments: { ErrorMessage: message }, ...extra }) as PipelineStep;
const definition = (steps: PipelineStep[]): PipelineDefinition => ({ Version: '2020-12-01', Parameters: [], Steps: steps });
const edgeSet = (edges: readonly GraphEdge[]): string[] => edges.map((e) => `${e.from} -${e.kind}-> ${e.to}`).sort();

describe('buildGraph on the abalone fixture', () => {
  const graph = buildGraph(fixture('abalone.json'));

  it('flattens the steps nested in condition branches, with their JSON paths and branch', () => {
    expect([...graph.nodes.keys()]).toEqual([
      'AbaloneProcess',
      'AbaloneTrain',
      'AbaloneEval',
      'AbaloneMSECond',
      'AbaloneRegisterModel-RegisterModel',
      'AbaloneCreateModel-CreateModel',
      'AbaloneTransform',
      'AbaloneMSEFail',
    ]);
    expect(graph.nodes.get('AbaloneTransform')).toMatchObject({ path: '$.Steps[3].Arguments.IfSteps[2]', branch: { condition: 'AbaloneMSECond', outcome: 'if' } });
    expect(graph.nodes.get('AbaloneMSEFail')).toMatchObject({ path: '$.Steps[3].Arguments.ElseSteps[0]', branch: { condition: 'AbaloneMSECond', outcome: 'else' } });
    expect(graph.nodes.get('AbaloneProcess')?.branch).toBeUndefined();
  });

  it('has data edges for every Steps reference, including JsonGet property files, and branch edges', () => {
    expect(edgeSet(graph.edges)).toEqual(
      [
        'AbaloneProcess -data-> AbaloneTrain',
        'AbaloneProcess -data-> AbaloneEval',
        'AbaloneTrain -data-> AbaloneEval',
        'AbaloneEval -data-> AbaloneMSECond',
        'AbaloneMSECond -if-> AbaloneRegisterModel-RegisterModel',
        'AbaloneTrain -data-> AbaloneRegisterModel-RegisterModel',
        'AbaloneMSECond -if-> AbaloneCreateModel-CreateModel',
        'AbaloneTrain -data-> AbaloneCreateModel-CreateModel',
        'AbaloneMSECond -if-> AbaloneTransform',
        'AbaloneCreateModel-CreateModel -data-> AbaloneTransform',
        'AbaloneMSECond -else-> AbaloneMSEFail',
      ].sort(),
    );
  });

  it('orders steps topologically, in definition order among equals', () => {
    expect(graph.order).toEqual([...graph.nodes.keys()]);
  });

  it('answers upstream and downstream questions', () => {
    expect(graph.upstream('AbaloneEval')).toEqual(['AbaloneTrain', 'AbaloneProcess']);
    expect(graph.upstream('AbaloneTransform')).toEqual(['AbaloneMSECond', 'AbaloneCreateModel-CreateModel']);
    expect(graph.downstream('AbaloneMSECond')).toEqual(['AbaloneRegisterModel-RegisterModel', 'AbaloneCreateModel-CreateModel', 'AbaloneTransform', 'AbaloneMSEFail']);
    expect(graph.upstream('AbaloneProcess')).toEqual([]);
    expect(graph.downstream('Unknown')).toEqual([]);
  });
});

describe('buildGraph edges', () => {
  it('adds DependsOn edges and a data edge once however often a step is referenced', () => {
    const graph = buildGraph(
      definition([
        fail('A'),
        fail('B', { DependsOn: ['A'] }),
        fail('C', {}, { 'Std:Join': { On: ' ', Values: [{ Get: 'Steps.A.Outcome' }, { Get: 'Steps.A.Outcome' }, { Get: "Steps.B.OutputParameters['x']" }] } }),
      ]),
    );
    expect(edgeSet(graph.edges)).toEqual(['A -data-> C', 'A -depends-on-> B', 'B -data-> C']);
  });

  it('attributes references in branch steps to those steps, not to their condition', () => {
    const graph = buildGraph(
      definition([
        fail('A'),
        {
          Name: 'Cond',
          Type: 'Condition',
          Arguments: { Conditions: [], IfSteps: [fail('Inner', {}, { Get: 'Steps.A.Outcome' })], ElseSteps: [] },
        } as PipelineStep,
      ]),
    );
    expect(edgeSet(graph.edges)).toEqual(['A -data-> Inner', 'Cond -if-> Inner']);
    expect(graph.order).toEqual(['A', 'Cond', 'Inner']);
  });

  it('orders a diamond so that the join comes after both branches', () => {
    const graph = buildGraph(definition([fail('Join', { DependsOn: ['Left', 'Right'] }), fail('Left', { DependsOn: ['Root'] }), fail('Right', { DependsOn: ['Root'] }), fail('Root')]));
    expect(graph.order).toEqual(['Root', 'Left', 'Right', 'Join']);
  });

  it('throws a DefinitionError naming the cycle', () => {
    let error: unknown;
    try {
      buildGraph(definition([fail('A', { DependsOn: ['C'] }), fail('B', { DependsOn: ['A'] }), fail('C', { DependsOn: ['B'] })]));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DefinitionError);
    expect((error as DefinitionError).code).toBe('CYCLE');
    expect((error as DefinitionError).problems[0]?.message).toBe('dependency cycle: A -> B -> C -> A');
  });

  it.each<[string, number]>([
    ['a 1,000-step chain', 1000],
    ['1,000 independent steps', 1000],
  ])('builds %s', (label, n) => {
    // How the time grows with the step count is measured by `npm run bench:fuzz-definitions` (its
    // scaling section prints the time per step), not here: a wall-clock bound failed on a loaded machine.
    const steps = Array.from({ length: n }, (_, i) => fail(`S${i}`, label.includes('chain') && i > 0 ? { DependsOn: [`S${i - 1}`] } : {}));
    const graph = buildGraph(definition(steps));
    expect(graph.order).toEqual(steps.map((s) => s.Name));
  });
});

describe('renderGraph', () => {
  const graph = buildGraph(fixture('abalone.json'));

  it('renders text with run order, dependencies and condition outcomes', () => {
    const text = renderGraph(graph, 'text');
    expect(text.split('\n').slice(0, 8)).toEqual([
      '8 steps (4 in condition branches), in run order:',
      '  AbaloneProcess [Processing]',
      '  AbaloneTrain [Training]  after AbaloneProcess',
      '  AbaloneEval [Processing]  after AbaloneTrain, AbaloneProcess',
      '  AbaloneMSECond [Condition]  after AbaloneEval',
      '    True -> AbaloneRegisterModel-RegisterModel, AbaloneCreateModel-CreateModel, AbaloneTransform',
      '    False -> AbaloneMSEFail',
      '  AbaloneRegisterModel-RegisterModel [RegisterModel]  after AbaloneTrain  when AbaloneMSECond is True',
    ]);
  });

  it('renders Mermaid with a diamond for the condition and True/False edge labels', () => {
    const mermaid = renderGraph(graph, 'mermaid');
    expect(mermaid.startsWith('flowchart TD\n')).toBe(true);
    expect(mermaid).toContain('  s3{"AbaloneMSECond<br/>Condition"}');
    expect(mermaid).toContain('  s3 -->|True| s6');
    expect(mermaid).toContain('  s3 -->|False| s7');
    expect(mermaid).toContain('  s0 --> s1');
  });

  it('renders DOT with labelled branch edges and dashed DependsOn edges', () => {
    const dot = renderGraph(buildGraph(fixture('nested-conditions.json')), 'dot');
    expect(dot).toMatch(/^digraph pipeline \{\n/);
    expect(dot).toContain('"CheckAccuracy" -> "CheckDrift" [label="True"];');
    expect(dot).toContain('"CheckDrift" -> "WriteDriftAlert" [label="False"];');
    expect(dot).toContain('"CheckAccuracy" [label="CheckAccuracy\\nCondition", shape=diamond, style=""];');
    expect(dot.trimEnd().endsWith('}')).toBe(true);
  });

  it('draws a DependsOn-only edge dashed and a data edge solid', () => {
    const small = buildGraph(definition([fail('A'), fail('B', { DependsOn: ['A'] }), fail('C', {}, { Get: 'Steps.A.Outcome' })]));
    expect(renderGraph(small, 'dot')).toContain('"A" -> "B" [style=dashed];');
    expect(renderGraph(small, 'dot')).toContain('"A" -> "C";');
    expect(renderGraph(small, 'mermaid')).toContain('s0 -.-> s1');
  });
});
