package dev.agentplane.execution.run;

import dev.agentplane.execution.run.RunIntake.Accepted;
import dev.agentplane.execution.run.RunQueries.CheckpointView;
import dev.agentplane.execution.run.RunQueries.UsageReport;
import dev.agentplane.execution.run.RunView.RunPage;
import dev.agentplane.kit.json.JsonRequestBody;
import dev.agentplane.kit.security.Role;
import dev.agentplane.kit.security.TenantPrincipal;
import io.micronaut.core.annotation.Nullable;
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

/** The runs API: start, list, read, cancel, checkpoints; and the tenant's usage. */
@Controller
@Secured(SecurityRule.IS_AUTHENTICATED)
class RunController {

  private static final Duration DEFAULT_USAGE_WINDOW = Duration.ofDays(30);

  private final RunIntake intake;
  private final RunQueries queries;
  private final RunCancellation cancellation;

  RunController(RunIntake intake, RunQueries queries, RunCancellation cancellation) {
    this.intake = intake;
    this.queries = queries;
    this.cancellation = cancellation;
  }

  @Post("/v1/runs")
  @Consumes(MediaType.APPLICATION_JSON)
  HttpResponse<RunView> start(TenantPrincipal principal, @Body String body) {
    Accepted accepted = intake.accept(principal, RunCommand.read(body), null);
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
            .optionalText("reason", 1000);
    return HttpResponse.accepted()
        .body(RunView.of(cancellation.cancel(principal, RunAccess.runIdOf(id), reason)));
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
