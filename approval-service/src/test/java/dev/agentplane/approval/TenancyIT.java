package dev.agentplane.approval;

import static dev.agentplane.approval.Approvals.anApproval;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentplane.testkit.ServiceApi.Reply;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.util.List;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Another tenant's requests do not exist for a caller: every endpoint answers 404 (never 403, never
 * a change), even to that tenant's admins, approvers and internal services.
 */
@MicronautTest(transactional = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TenancyIT extends ApprovalTestSupport {

  @Test
  void anotherTenantsRequestIsNotFoundOnEveryEndpoint() {
    String tenantA = newTenant();
    JsonNode request = open(tenantA, anApproval());
    String before = api().get(pathOf(request), approver(tenantA, "a")).raw();
    String tenantB = newTenant();
    List<String> outsiders =
        List.of(
            user(tenantB, "root", "admin"),
            approver(tenantB, "alice"),
            tokens.service(tenantB, "svc-gate", "internal", "admin"));

    SoftAssertions softly = new SoftAssertions();
    for (String token : outsiders) {
      for (Reply reply :
          List.of(
              api().get(pathOf(request), token),
              api().get(pathOf(request) + "/audit", token),
              approve(request, token),
              reject(request, token, "no"),
              api().post(pathOf(request) + "/cancel", token, null))) {
        softly.assertThat(reply.status()).as(reply.raw()).isEqualTo(404);
        softly.assertThat(reply.raw()).doesNotContain(tenantA);
      }
      softly
          .assertThat(api().get("/v1/approvals", token).body().path("items").findValuesAsText("id"))
          .doesNotContain(request.path("id").asText());
      softly
          .assertThat(
              api()
                  .get("/v1/approvals?subject=" + request.path("subjectKey").asText(), token)
                  .body()
                  .path("items"))
          .isEmpty();
    }
    softly.assertAll();
    assertThat(api().get(pathOf(request), approver(tenantA, "a")).raw()).isEqualTo(before);
    assertThat(api().get(pathOf(request) + "/audit", approver(tenantA, "a")).body().path("entries"))
        .hasSize(1);
  }

  @Test
  void idsThatAreNotUuidsAreNotFound() {
    String admin = user(newTenant(), "root", "admin");

    assertProblem(api().get("/v1/approvals/not-a-uuid", admin), 404, "not-found");
    assertProblem(
        api().post("/v1/approvals/not-a-uuid/decisions", admin, "{\"decision\":\"approve\"}"),
        404,
        "not-found");
  }
}
