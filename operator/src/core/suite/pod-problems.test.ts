import { describe, expect, it } from 'vitest';
import { podProblem, type PodView } from './pod-problems.ts';

const pending = (status: NonNullable<PodView['status']>): PodView => ({
  metadata: { name: 'p-1' },
  status: { phase: 'Pending', ...status },
});
const waiting = (reason: string, message?: string): PodView =>
  pending({
    containerStatuses: [{ name: 'runner', state: { waiting: { reason, ...(message ? { message } : {}) } } }],
  });

describe('podProblem: what keeps a run pod from starting, in the kubelet and scheduler words', () => {
  it.each([
    ['InvalidImageName', 'InvalidImage'],
    ['ErrImagePull', 'ImagePullFailed'],
    ['ImagePullBackOff', 'ImagePullFailed'],
    ['ErrImageNeverPull', 'ImagePullFailed'],
    ['CreateContainerConfigError', 'ContainerConfigError'],
    ['CreateContainerError', 'ContainerCannotStart'],
  ])('waiting reason %s is %s, quoting the kubelet', (waitingReason, reason) => {
    const problem = podProblem(waiting(waitingReason, 'what the kubelet said'));
    expect(problem).toEqual({ reason, message: `${waitingReason}: what the kubelet said`, pod: 'p-1' });
  });

  it('names the missing key of a Secret as the kubelet does', () => {
    const problem = podProblem(
      waiting('CreateContainerConfigError', "couldn't find key apiKey in Secret team-a/openai"),
    );
    expect(problem?.message).toBe(
      "CreateContainerConfigError: couldn't find key apiKey in Secret team-a/openai",
    );
  });

  it("quotes the scheduler's message for an unschedulable pod", () => {
    const message =
      '0/5 nodes are available: 2 Insufficient nvidia.com/gpu, 3 node(s) had untolerated taint.';
    const problem = podProblem(
      pending({ conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message }] }),
    );
    expect(problem).toEqual({ reason: 'Unschedulable', message, pod: 'p-1' });
  });

  it('sees nothing wrong in a pod being scheduled or created', () => {
    expect(podProblem(pending({}))).toBeUndefined();
    expect(podProblem(waiting('ContainerCreating'))).toBeUndefined();
    expect(
      podProblem(
        pending({ conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }] }),
      ),
    ).toBeUndefined();
  });

  it('tells OOMKilled, evicted and preempted pods apart from the runner failing', () => {
    const oom = podProblem({
      metadata: { name: 'p-1' },
      status: {
        phase: 'Failed',
        containerStatuses: [
          { name: 'runner', state: { terminated: { exitCode: 137, reason: 'OOMKilled' } } },
        ],
      },
    });
    expect(oom?.reason).toBe('OOMKilled');
    expect(oom?.message).toContain('more memory than its limit');
    expect(
      podProblem({
        metadata: { name: 'p-1' },
        status: { phase: 'Failed', reason: 'Evicted', message: 'The node was low on resource: memory.' },
      }),
    ).toEqual({ reason: 'Evicted', message: 'The node was low on resource: memory.', pod: 'p-1' });
    expect(
      podProblem({
        metadata: { name: 'p-1' },
        status: {
          phase: 'Failed',
          conditions: [
            {
              type: 'DisruptionTarget',
              status: 'True',
              reason: 'PreemptionByScheduler',
              message: 'preempted by ns/big',
            },
          ],
        },
      })?.reason,
    ).toBe('Preempted');
    expect(
      podProblem({
        metadata: { name: 'p-1' },
        status: {
          phase: 'Failed',
          containerStatuses: [{ name: 'runner', state: { terminated: { exitCode: 1, reason: 'Error' } } }],
        },
      }),
    ).toBeUndefined();
  });

  it('shortens what Kubernetes said', () => {
    const problem = podProblem(waiting('ErrImagePull', 'x'.repeat(5000)));
    expect([...problem!.message].length).toBeLessThanOrEqual(300);
  });
});
