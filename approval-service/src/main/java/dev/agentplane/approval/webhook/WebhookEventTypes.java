package dev.agentplane.approval.webhook;

import dev.agentplane.approval.request.ApprovalNotice;
import java.util.List;

/** The event types a subscription may ask for: every kind of {@link ApprovalNotice}. */
final class WebhookEventTypes {

  static final List<String> ALL =
      List.of(
          ApprovalNotice.TYPE_REQUESTED,
          ApprovalNotice.TYPE_DECIDED,
          ApprovalNotice.TYPE_EXPIRED,
          ApprovalNotice.TYPE_REMINDER,
          ApprovalNotice.TYPE_ESCALATED,
          ApprovalNotice.TYPE_CANCELLED);

  private WebhookEventTypes() {}
}
