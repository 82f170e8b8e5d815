package dev.agentplane.approval.request;

import dev.agentplane.approval.request.ApprovalRepository.Due;
import dev.agentplane.approval.request.AuditTrail.Action;
import dev.agentplane.kit.outbox.Outbox;
import dev.agentplane.kit.tenancy.JobsDataSource;
import dev.agentplane.kit.tenancy.TenantScope;
import io.micronaut.transaction.TransactionOperations;
import jakarta.inject.Named;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SLA sweep: expires pending requests past their deadline (deciding them as {@code onExpiry}
 * says), escalates those past {@code escalateAfter} and reminds those past {@code remindAfter}.
 * Each batch is one transaction over rows locked {@code FOR UPDATE SKIP LOCKED}, so several
 * instances sweep side by side without waiting on each other or doing anything twice.
 *
 * <p>Row-level security: which tenants have due requests is asked across tenants through the {@code
 * jobs} datasource ({@link DueRequests}); each tenant's batches then run in that tenant's scope on
 * the application datasource, like any of its requests' changes, so their audit, outbox and webhook
 * deliveries are written as that tenant's and nothing else. One tenant whose batch fails does not
 * hold up the others.
 */
@Singleton
public class ApprovalSweep {

  private static final Logger LOG = LoggerFactory.getLogger(ApprovalSweep.class);

  /** What one sweep did. */
  public record Report(int expired, int escalated, int reminded) {}

  private final DueRequests dueRequests;
  private final TransactionOperations<Connection> jobs;
  private final ApprovalRepository requests;
  private final AuditTrail audit;
  private final ApprovalNotices notices;
  private final Outbox outbox;
  private final TransactionOperations<Connection> transactions;
  private final ApprovalSettings.Scheduler settings;
  private final Clock clock;

  ApprovalSweep(
      DueRequests dueRequests,
      @Named(JobsDataSource.NAME) TransactionOperations<Connection> jobs,
      ApprovalRepository requests,
      AuditTrail audit,
      ApprovalNotices notices,
      Outbox outbox,
      TransactionOperations<Connection> transactions,
      ApprovalSettings.Scheduler settings,
      Clock clock) {
    this.dueRequests = dueRequests;
    this.jobs = jobs;
    this.requests = requests;
    this.audit = audit;
    this.notices = notices;
    this.outbox = outbox;
    this.transactions = transactions;
    this.settings = settings;
    this.clock = clock;
  }

  /** Sweeps as of now. */
  public Report sweep() {
    return sweepAsOf(clock.instant());
  }

  /**
   * Sweeps as if the time were {@code asOf}: whatever fell due by then is handled, with {@code
   * asOf} as the time of each change.
   */
  public Report sweepAsOf(Instant asOf) {
    Instant at = asOf.truncatedTo(ChronoUnit.MICROS);
    // Expire first: a request past its deadline is neither escalated nor reminded any more.
    int expired = drain(Due.EXPIRY, at);
    int escalated = drain(Due.ESCALATION, at);
    int reminded = drain(Due.REMINDER, at);
    return new Report(expired, escalated, reminded);
  }

  private int drain(Due due, Instant at) {
    List<String> tenants = jobs.executeRead(status -> dueRequests.tenantsWithDue(due, at));
    int total = 0;
    for (String tenant : tenants) {
      try {
        total += TenantScope.call(tenant, () -> drain(tenant, due, at));
      } catch (RuntimeException e) {
        // Its batch rolled back; the next sweep tries again. The other tenants' requests go on.
        LOG.warn("Approval sweep ({}) failed for tenant {}", due, tenant, e);
      }
    }
    return total;
  }

  /** Handles the tenant's due rows, a batch per transaction, until none are left. */
  private int drain(String tenantId, Due due, Instant at) {
    int total = 0;
    int batch = settings.batch();
    while (true) {
      int done =
          transactions.executeWrite(
              status -> {
                List<ApprovalRequest> dueRows = requests.lockDue(tenantId, due, at, batch);
                dueRows.forEach(request -> apply(due, request, at));
                return dueRows.size();
              });
      total += done;
      if (done < batch) {
        return total;
      }
    }
  }

  private void apply(Due due, ApprovalRequest request, Instant at) {
    switch (due) {
      case EXPIRY -> expire(request, at);
      case ESCALATION -> escalate(request, at);
      case REMINDER -> remind(request, at);
    }
  }

  private void expire(ApprovalRequest request, Instant at) {
    ApprovalRequest expired = request.expired(at);
    save(expired);
    var detail =
        AuditTrail.detail()
            .put("outcome", ApprovalRepository.wire(expired.outcome()))
            .put("onExpiry", ApprovalRepository.wire(request.policy().onExpiry()))
            .put("expiresAt", String.valueOf(request.policy().expiresAt()));
    audit.append(request.tenantId(), request.id(), at, AuditTrail.SYSTEM, Action.EXPIRED, detail);
    // APPROVED on expiry, else EXPIRED, which consumers treat as not approved.
    outbox.enqueue(expired.decidedEvent(List.of()));
    notices.publish(ApprovalNotice.TYPE_EXPIRED, request.tenantId(), request.id(), at);
  }

  private void escalate(ApprovalRequest request, Instant at) {
    ApprovalRequest escalated = request.escalated(settings.rolesOnEscalation(), at);
    save(escalated);
    var detail = AuditTrail.detail();
    detail.set("approverRolesBefore", AuditTrail.array(request.policy().approverRoles()));
    detail.set("approverRoles", AuditTrail.array(escalated.policy().approverRoles()));
    audit.append(request.tenantId(), request.id(), at, AuditTrail.SYSTEM, Action.ESCALATED, detail);
    notices.publish(ApprovalNotice.TYPE_ESCALATED, request.tenantId(), request.id(), at);
  }

  private void remind(ApprovalRequest request, Instant at) {
    save(request.reminded(at));
    audit.append(
        request.tenantId(),
        request.id(),
        at,
        AuditTrail.SYSTEM,
        Action.REMINDED,
        AuditTrail.detail().put("remindAfter", String.valueOf(request.sla().remindAfter())));
    notices.publish(ApprovalNotice.TYPE_REMINDER, request.tenantId(), request.id(), at);
  }

  private void save(ApprovalRequest changed) {
    if (!requests.update(changed)) {
      throw new IllegalStateException("Approval " + changed.id() + " changed under its row lock");
    }
  }
}
