package dev.agentplane.bench.approvals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentplane.bench.PollingApprover;
import dev.agentplane.testkit.ServiceApi;
import dev.agentplane.testkit.ServiceApi.Reply;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** AgentPlane's pending approvals, read and approved through the approval API as an approver. */
public final class Approver implements PollingApprover.Inbox {

  private final ServiceApi approvals;
  private final String token;

  private Approver(URI approvalService, String token) {
    this.approvals = new ServiceApi(approvalService);
    this.token = token;
  }

  /** Starts approving {@code token}'s tenant's pending requests. */
  public static PollingApprover start(URI approvalService, String token, Duration pollEvery) {
    return PollingApprover.start(new Approver(approvalService, token), pollEvery);
  }

  @Override
  public List<String> pending(int size) {
    Reply page = approvals.get("/v1/approvals?status=pending&limit=" + size, token);
    if (page.status() != 200) {
      throw new IllegalStateException("Pending approvals answered " + page.status());
    }
    List<String> ids = new ArrayList<>();
    for (JsonNode item : page.body().path("items")) {
      ids.add(item.path("id").asText());
    }
    return ids;
  }

  @Override
  public void approve(String approvalId) {
    Reply reply =
        approvals.post(
            "/v1/approvals/" + approvalId + "/decisions", token, "{\"decision\":\"approve\"}");
    if (reply.status() != 200) {
      throw new IllegalStateException("Decision on " + approvalId + " answered " + reply.status());
    }
  }
}
