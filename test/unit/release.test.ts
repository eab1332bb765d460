// The pure parts of the release generator (hack/release): the artifacts themselves are checked
// against config/, kustomize and Helm in test/e2e/release-artifacts.e2e.test.ts.
import { describe, expect, it } from 'vitest';
import { escapeActions, objectKey, parseObjects, splitImage } from '../../hack/release/release.ts';

describe('splitImage', () => {
  it('splits at the tag, not at a registry port', () => {
    expect(splitImage('ghcr.io/bench-operator/bench-operator:0.1.0')).toEqual({
      repository: 'ghcr.io/bench-operator/bench-operator',
      tag: '0.1.0',
    });
    expect(splitImage('localhost:5000/me/op:1.2.3-rc.1')).toEqual({
      repository: 'localhost:5000/me/op',
      tag: '1.2.3-rc.1',
    });
    expect(() => splitImage('localhost:5000/me/op')).toThrow(/no tag/);
  });
});

describe('escapeActions', () => {
  it("makes Helm print the objects' own {{ }} as they are", () => {
    expect(escapeActions('summary: "{{ $labels.controller }} failing"')).toBe(
      'summary: "{{ "{{" }} $labels.controller {{ "}}" }} failing"',
    );
    expect(escapeActions('no actions here')).toBe('no actions here');
  });
});

describe('parseObjects', () => {
  it('reads a multi-document stream, leaving out empty documents', () => {
    const objects = parseObjects(
      '---\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: a\n  namespace: ns\n---\n# only a comment\n---\n' +
        'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: b\n',
    );
    expect(objects.map(objectKey)).toEqual(['ServiceAccount/ns/a', 'ClusterRole//b']);
  });
});
