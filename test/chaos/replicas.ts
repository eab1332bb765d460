// The operator's Deployment as the chaos test runs it: a fixed number of replicas as processes, each
// replaced as soon as it exits (the kubelet restarting a container), each with an identity of its
// own (a restarted container is a new candidate, as controller-runtime's hostname_uuid makes it).
import type { OperatorProcess } from '../support/operator.ts';

export interface Kill {
  identity: string;
  /** When the SIGKILL was sent (ms since the epoch). */
  at: number;
}

export class Replicas {
  readonly kills: Kill[] = [];
  /** Exits nobody asked for (e.g. leadership lost while the API server was away), by exit code. */
  readonly crashes: Array<{ identity: string; code: number | null }> = [];
  readonly logFiles: string[] = [];
  private readonly live = new Map<string, OperatorProcess>();
  private readonly start: (identity: string) => OperatorProcess;
  private readonly prefix: string;
  private started = 0;
  private stopping = false;

  constructor(count: number, prefix: string, start: (identity: string) => OperatorProcess) {
    this.start = start;
    this.prefix = prefix;
    for (let i = 0; i < count; i++) this.spawn();
  }

  /** Identities of the replicas running now. */
  identities(): string[] {
    return [...this.live.keys()];
  }

  /** SIGKILL the replica with this identity (the leader, as the test found it); it is replaced at once. */
  async kill(identity: string): Promise<Kill> {
    const replica = this.live.get(identity);
    if (!replica)
      throw new Error(`no running replica ${identity} (running: ${this.identities().join(', ')})`);
    const kill = { identity, at: Date.now() };
    this.kills.push(kill);
    await replica.kill();
    return kill;
  }

  async stopAll(): Promise<void> {
    this.stopping = true;
    await Promise.all([...this.live.values()].map((replica) => replica.kill()));
  }

  private spawn(): void {
    const identity = `${this.prefix}-${this.started++}`;
    const replica = this.start(identity);
    this.live.set(identity, replica);
    this.logFiles.push(replica.logFile);
    replica.child.once('exit', (code) => {
      this.live.delete(identity);
      if (this.stopping) return;
      if (!this.kills.some((k) => k.identity === identity)) this.crashes.push({ identity, code });
      this.spawn();
    });
  }
}
