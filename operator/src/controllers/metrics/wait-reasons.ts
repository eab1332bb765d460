import type { DeferralReason } from '../../core/scheduling/engine.ts';

type Kind = 'admission' | 'by design';

/**
 * Why a Queued or Retrying run waits, as its status entry says, and whether it waits for
 * admission (capacity, a circuit, a budget: what "queued too long" is about) or by design (its
 * dependencies, a backoff, the schedule, a window, a suspension). Typed over every DeferralReason,
 * so a new one cannot be left out; these lists are also the bound of the `reason` label.
 */
const DEFERRAL_KIND: Record<DeferralReason, Kind> = {
  ProviderCapacity: 'admission',
  PolicyCapacity: 'admission',
  SuiteCapacity: 'admission',
  OperatorCapacity: 'admission',
  CircuitOpen: 'admission',
  ProviderDegraded: 'admission',
  BudgetExhausted: 'admission',
  AuditBacklogFull: 'admission',
  Suspended: 'by design',
  OutsideWindow: 'by design',
  JobRejected: 'by design',
};

/** The reasons a run's own state gives before the scheduler has given one. */
const RUN_STATE_KIND: Record<
  'Queued' | 'Retrying' | 'Backoff' | 'WaitingForDependencies' | 'WaitingForSchedule',
  Kind
> = {
  Queued: 'admission',
  Retrying: 'admission',
  Backoff: 'by design',
  WaitingForDependencies: 'by design',
  WaitingForSchedule: 'by design',
};

const WAIT_KIND = { ...RUN_STATE_KIND, ...DEFERRAL_KIND };

/** Every reason the scheduler defers a run for. */
export const DEFERRAL_REASONS = Object.keys(DEFERRAL_KIND) as DeferralReason[];

export type WaitReason = keyof typeof WAIT_KIND | 'Other';

export const WAIT_REASONS = Object.keys(WAIT_KIND) as Array<keyof typeof WAIT_KIND>;

/** The label value for a status reason: one of WAIT_REASONS, or Other for anything unknown. */
export function waitReason(reason: string | undefined): WaitReason {
  return reason !== undefined && Object.hasOwn(WAIT_KIND, reason) ? (reason as WaitReason) : 'Other';
}

export function waitsForAdmission(reason: WaitReason): boolean {
  return reason !== 'Other' && WAIT_KIND[reason] === 'admission';
}
