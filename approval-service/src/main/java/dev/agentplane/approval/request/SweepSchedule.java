package dev.agentplane.approval.request;

import io.micronaut.context.annotation.Requires;
import io.micronaut.scheduling.annotation.Scheduled;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs {@link ApprovalSweep} every {@code agentplane.approval.scheduler.interval} (default 5 s).
 */
@Singleton
@Requires(property = "agentplane.approval.scheduler.enabled", notEquals = "false")
class SweepSchedule {

  private static final Logger LOG = LoggerFactory.getLogger(SweepSchedule.class);

  private final ApprovalSweep sweep;

  SweepSchedule(ApprovalSweep sweep) {
    this.sweep = sweep;
  }

  @Scheduled(
      fixedDelay = "${agentplane.approval.scheduler.interval:5s}",
      initialDelay = "${agentplane.approval.scheduler.interval:5s}")
  void run() {
    try {
      ApprovalSweep.Report report = sweep.sweep();
      if (report.expired() + report.escalated() + report.reminded() > 0) {
        LOG.info(
            "Approval sweep: {} expired, {} escalated, {} reminded",
            report.expired(),
            report.escalated(),
            report.reminded());
      }
    } catch (RuntimeException e) {
      // The next run tries again; a failing sweep must not unschedule itself.
      LOG.warn("Approval sweep failed; retrying in the next interval", e);
    }
  }
}
