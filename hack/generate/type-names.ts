// The names of the generated TypeScript types: json-schema-to-typescript would otherwise name each
// sub-schema after its property, and number the copies of a type declared in several places.

/** Names of the generated TypeScript types, by kind and schema path (see TypeNames). */
export const TYPE_NAMES: Record<string, Record<string, string>> = {
  BenchmarkSuite: {
    '': 'BenchmarkSuite',
    spec: 'BenchmarkSuiteSpec',
    status: 'BenchmarkSuiteStatus',
    'spec.runner': 'Runner',
    'spec.runner.env[]': 'EnvVar',
    'spec.runner.env[].valueFrom': 'EnvVarSource',
    'spec.runner.resources': 'ResourceRequirements',
    'spec.targets[]': 'Target',
    'spec.benchmarks[]': 'Benchmark',
    'spec.benchmarks[].judge': 'Judge',
    'spec.benchmarks[].env[]': 'EnvVar',
    'spec.benchmarks[].env[].valueFrom': 'EnvVarSource',
    'spec.benchmarks[].resources': 'ResourceRequirements',
    'spec.retry': 'RetryPolicy',
    'spec.resume': 'ResumePolicy',
    'spec.gates[]': 'Gate',
    'spec.gates[].baseline': 'GateBaseline',
    'status.gates[]': 'GateStatus',
    'status.gates[].outcomes': 'GateOutcomes',
    'spec.retry.backoff': 'Backoff',
    'status.conditions[]': 'Condition',
    'status.summary': 'RunSummary',
    'status.runs[]': 'RunStatus',
    'status.runs[].result': 'RunResult',
    'status.runs[].result.usage': 'TokenUsage',
    'status.runs[].result.judgeUsage': 'TokenUsage',
  },
  BenchmarkRound: {
    '': 'BenchmarkRound',
    spec: 'BenchmarkRoundSpec',
    'spec.runs[]': 'RoundRun',
    'spec.runs[].result': 'RunResult',
    'spec.runs[].result.usage': 'TokenUsage',
    'spec.runs[].result.judgeUsage': 'TokenUsage',
    'spec.runs[].interval': 'ScoreInterval',
    'spec.runs[].outcomes': 'ItemOutcomes',
    'spec.gates[]': 'RoundGate',
  },
  ProviderPolicy: {
    '': 'ProviderPolicy',
    spec: 'ProviderPolicySpec',
    status: 'ProviderPolicyStatus',
    'spec.credentialsSecretRef': 'CredentialsSecretRef',
    'spec.rateLimit': 'RateLimit',
    'spec.cost': 'Cost',
    'spec.budget': 'Budget',
    'spec.circuitBreaker': 'CircuitBreaker',
    'spec.failover[]': 'Failover',
    'status.conditions[]': 'Condition',
    'status.circuit': 'CircuitStatus',
    'status.spend': 'Spend',
  },
  SchedulePolicy: {
    '': 'SchedulePolicy',
    spec: 'SchedulePolicySpec',
    status: 'SchedulePolicyStatus',
    'spec.windows[]': 'TimeWindow',
    'spec.placement': 'Placement',
    'spec.placement.affinity': 'Affinity',
    'spec.placement.affinity.nodeAffinity': 'NodeAffinity',
    'spec.placement.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution': 'NodeSelector',
    'spec.placement.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[]':
      'NodeSelectorTerm',
    'spec.placement.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[].matchExpressions[]':
      'NodeSelectorRequirement',
    'spec.placement.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[].matchFields[]':
      'NodeSelectorRequirement',
    'spec.placement.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[]':
      'PreferredSchedulingTerm',
    'spec.placement.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[].preference.matchExpressions[]':
      'NodeSelectorRequirement',
    'spec.placement.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[].preference.matchFields[]':
      'NodeSelectorRequirement',
    'spec.placement.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[].preference':
      'NodeSelectorTerm',
    'spec.placement.affinity.podAffinity': 'PodAffinity',
    'spec.placement.affinity.podAntiAffinity': 'PodAntiAffinity',
    ...Object.fromEntries(
      ['podAffinity', 'podAntiAffinity'].flatMap((a): [string, string][] => [
        [`spec.placement.affinity.${a}.requiredDuringSchedulingIgnoredDuringExecution[]`, 'PodAffinityTerm'],
        [
          `spec.placement.affinity.${a}.preferredDuringSchedulingIgnoredDuringExecution[]`,
          'WeightedPodAffinityTerm',
        ],
        [
          `spec.placement.affinity.${a}.preferredDuringSchedulingIgnoredDuringExecution[].podAffinityTerm`,
          'PodAffinityTerm',
        ],
        ...[
          'requiredDuringSchedulingIgnoredDuringExecution[]',
          'preferredDuringSchedulingIgnoredDuringExecution[].podAffinityTerm',
        ].flatMap((term): [string, string][] => [
          [`spec.placement.affinity.${a}.${term}.labelSelector`, 'LabelSelector'],
          [`spec.placement.affinity.${a}.${term}.namespaceSelector`, 'LabelSelector'],
          [
            `spec.placement.affinity.${a}.${term}.labelSelector.matchExpressions[]`,
            'LabelSelectorRequirement',
          ],
          [
            `spec.placement.affinity.${a}.${term}.namespaceSelector.matchExpressions[]`,
            'LabelSelectorRequirement',
          ],
        ]),
      ]),
    ),
    'spec.placement.tolerations[]': 'Toleration',
    'spec.resources': 'ResourceRequirements',
    'spec.history': 'History',
    'status.conditions[]': 'Condition',
  },
};

/** Types declared in several places get one neutral description. */
export const SHARED_DESCRIPTIONS: Record<string, string> = {
  Condition:
    'Condition contains details for one aspect of the current state of an object (metav1.Condition).',
  EnvVar: 'An environment variable of the run container (core/v1 EnvVar).',
  EnvVarSource: "Source for an environment variable's value (core/v1 EnvVarSource).",
  ResourceRequirements:
    'Compute resources of the run container (core/v1 ResourceRequirements); quantities are integers or strings such as "500m" or "4Gi".',
  NodeSelectorTerm: 'A node selector term: its requirements are ANDed (core/v1 NodeSelectorTerm).',
  PodAffinityTerm: 'A set of pods this pod should (not) be co-located with (core/v1 PodAffinityTerm).',
  WeightedPodAffinityTerm: 'A pod affinity term with a weight (core/v1 WeightedPodAffinityTerm).',
  NodeSelectorRequirement: 'A requirement on a node label or field (core/v1 NodeSelectorRequirement).',
  LabelSelector: 'A label query over a set of objects (metav1.LabelSelector).',
  LabelSelectorRequirement: 'A requirement on a label (metav1.LabelSelectorRequirement).',
};
