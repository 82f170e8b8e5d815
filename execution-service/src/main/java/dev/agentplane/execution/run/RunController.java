package dev.agentplane.execution.run;

import dev.agentplane.execution.run.RunIntake.Accepted;
import dev.agentplane.execution.run.RunQueries.CheckpointView;
import dev.agentplane.execution.run.RunQueries.UsageReport;
import dev.agentplane.execution.run.RunView.RunPage;
import dev.agentplane.kit.json.JsonRequestBody;
import dev.agentplane.kit.security.Role;
import dev.agentplane.kit.security.TenantPrincipal;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Consumes;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.rules.SecurityRule;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Set;

/**
 * The runs API: start, list, read, cancel, resume, fork, checkpoints, audit; and the tenant's
 * usage.
 */
@Controller
@Secured(SecurityRule.IS_AUTHENTICATED)
class RunController {

  private static final Duration DEFAULT_USAGE_WINDOW = Duration.ofDays(30);

  /** The longest {@code reason} of a cancel, a resume or a fork. */
  static final int MAX_REASON = 1000;

  private final RunIntake intake;
  private final RunQueries queries;
  private final RunCancellation cancellation;
  private final RunResumption resumption;
  private final RunForking forking;
  private final QuotaSettings quotas;

  RunController(
      RunIntake intake,
      RunQueries queries,
      RunCancellation cancellation,
      RunResumption resumption,
      RunForking forking,
      QuotaSettings quotas) {
    this.intake = intake;
    this.queries = queries;
    this.cancellation = cancellation;
    this.resumption = resumption;
    this.forking = forking;
    this.quotas = quotas;
  }

  @Post("/v1/runs")
  @Consumes(MediaType.APPLICATION_JSON)
  HttpResponse<RunView> start(TenantPrincipal principal, HttpHeaders headers, @Body String body) {
    Duration patience = PreferWait.patience(headers.getAll("Prefer"), quotas.intakePatience());
    Accepted accepted = intake.accept(principal, RunCommand.read(body), null, patience);
    RunView view = RunView.of(accepted.run());
    return HttpResponse.accepted(URI.create(view.links().self()))
        .body(view)
        .header("Idempotent-Replayed", String.valueOf(accepted.replayed()));
  }

  @Get("/v1/runs")
  RunPage list(
      TenantPrincipal principal,
      @Nullable @QueryValue String agent,
      @Nullable @QueryValue String status,
      @Nullable @QueryValue String mode,
      @Nullable @QueryValue String creator,
      @Nullable @QueryValue String parent,
      @Nullable @QueryValue String cursor,
      @Nullable @QueryValue Integer limit) {
    return queries.list(principal, agent, status, mode, creator, parent, cursor, limit);
  }

  @Get("/v1/runs/{id}")
  RunView get(TenantPrincipal principal, @PathVariable String id) {
    return RunView.of(queries.visible(principal, RunAccess.runIdOf(id)));
  }

  @Post("/v1/runs/{id}/cancel")
  @Consumes(MediaType.APPLICATION_JSON)
  HttpResponse<RunView> cancel(
      TenantPrincipal principal, @PathVariable String id, @Nullable @Body String body) {
    String reason =
        JsonRequestBody.parse(body == null ? "" : body, Set.of("reason"))
            .optionalText("reason", MAX_REASON);
    return HttpResponse.accepted()
        .body(RunView.of(cancellation.cancel(principal, RunAccess.runIdOf(id), reason)));
  }

  /** 202: the run is queued again; it continues when a worker claims it. */
  @Post("/v1/runs/{id}/resume")
  @Consumes(MediaType.APPLICATION_JSON)
  HttpResponse<RunView> resume(
      TenantPrincipal principal, @PathVariable String id, @Nullable @Body String body) {
    String reason =
        JsonRequestBody.parse(body == null ? "" : body, Set.of("reason"))
            .optionalText("reason", MAX_REASON);
    return HttpResponse.accepted()
        .body(RunView.of(resumption.resume(principal, RunAccess.runIdOf(id), reason)));
  }

  /** 202 + {@code Location}, like {@code POST /v1/runs}: the fork is a new queued run. */
  @Post("/v1/runs/{id}/fork")
  @Consumes(MediaType.APPLICATION_JSON)
  HttpResponse<RunView> fork(
      TenantPrincipal principal, @PathVariable String id, @Nullable @Body String body) {
    RunView fork =
        RunView.of(
            forking.fork(
                principal, RunAccess.runIdOf(id), ForkRequest.read(body == null ? "" : body)));
    return HttpResponse.accepted(URI.create(fork.links().self())).body(fork);
  }

  @Get("/v1/runs/{id}/audit")
  List<RunAuditTrail.EntryView> audit(TenantPrincipal principal, @PathVariable String id) {
    return queries.audit(principal, RunAccess.runIdOf(id));
  }

  @Get("/v1/runs/{id}/checkpoints")
  List<CheckpointView> checkpoints(TenantPrincipal principal, @PathVariable String id) {
    return queries.checkpoints(principal, RunAccess.runIdOf(id));
  }

  @Get("/v1/usage")
  UsageReport usage(
      TenantPrincipal principal,
      @Nullable @QueryValue String from,
      @Nullable @QueryValue String to) {
    principal.require(Role.OPERATOR);
    Instant end = to == null ? Instant.now() : instant("to", to);
    Instant start = from == null ? end.minus(DEFAULT_USAGE_WINDOW) : instant("from", from);
    if (!start.isBefore(end)) {
      throw RunQueries.badQuery("from", "from must be before to");
    }
    return queries.usage(principal.tenantId(), start, end);
  }

  /** A path id that is not a UUID names no run: the same 404 as another tenant's run. */
  private static Instant instant(String parameter, String value) {
    try {
      return Instant.parse(value);
    } catch (DateTimeParseException e) {
      throw RunQueries.badQuery(
          parameter, parameter + " is an ISO-8601 instant, e.g. 2026-11-01T00:00:00Z");
    }
  }
}
