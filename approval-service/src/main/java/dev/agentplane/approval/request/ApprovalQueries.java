package dev.agentplane.approval.request;

import dev.agentplane.approval.request.ApprovalRepository.InboxFilter;
import dev.agentplane.approval.request.ApprovalRepository.InboxPosition;
import dev.agentplane.approval.request.ApprovalView.ApprovalPage;
import dev.agentplane.approval.request.ApprovalView.AuditEntryView;
import dev.agentplane.approval.request.ApprovalView.AuditView;
import dev.agentplane.contracts.ApprovalKind;
import dev.agentplane.kit.problem.BadRequestException;
import dev.agentplane.kit.problem.FieldError;
import io.micronaut.transaction.annotation.ReadOnly;
import jakarta.inject.Singleton;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

/** Reads of approval requests, always within the caller's tenant. */
@Singleton
public class ApprovalQueries {

  static final int DEFAULT_PAGE = 20;
  static final int MAX_PAGE = 100;

  private final ApprovalRepository requests;
  private final AuditTrail audit;

  ApprovalQueries(ApprovalRepository requests, AuditTrail audit) {
    this.requests = requests;
    this.audit = audit;
  }

  @ReadOnly
  public ApprovalView get(String tenantId, UUID approvalId) {
    ApprovalRequest request =
        requests
            .find(tenantId, approvalId)
            .orElseThrow(() -> ApprovalRequests.notFound(approvalId));
    return ApprovalView.of(request, requests.decisions(tenantId, approvalId));
  }

  /** One page of the inbox, newest first; every filter is optional. */
  @ReadOnly
  public ApprovalPage inbox(
      String tenantId,
      String status,
      String kind,
      String subject,
      String requester,
      String cursor,
      Integer limit) {
    int pageSize = limit == null ? DEFAULT_PAGE : limit;
    if (pageSize < 1 || pageSize > MAX_PAGE) {
      throw badQuery("limit", "limit must be between 1 and " + MAX_PAGE);
    }
    InboxFilter filter =
        new InboxFilter(
            status == null
                ? null
                : ApprovalStatus.fromWire(status)
                    .orElseThrow(
                        () ->
                            badQuery(
                                "status",
                                "status must be one of pending, approved, rejected, expired,"
                                    + " cancelled")),
            kind == null ? null : kind(kind),
            blankToNull(subject),
            blankToNull(requester));
    List<ApprovalRequest> rows = requests.inbox(tenantId, filter, position(cursor), pageSize + 1);
    List<ApprovalRequest> page = rows.stream().limit(pageSize).toList();
    Map<UUID, Integer> approvals =
        page.isEmpty()
            ? Map.of()
            : requests.approvalCounts(tenantId, page.stream().map(ApprovalRequest::id).toList());
    List<ApprovalView> items =
        page.stream().map(r -> ApprovalView.summary(r, approvals.getOrDefault(r.id(), 0))).toList();
    String next = null;
    if (rows.size() > pageSize) {
      ApprovalRequest last = page.getLast();
      Map<String, String> query = new LinkedHashMap<>();
      query.put("status", status);
      query.put("kind", kind);
      query.put("subject", subject);
      query.put("requester", requester);
      query.put("limit", String.valueOf(pageSize));
      query.put("cursor", cursorAfter(last));
      next =
          "/v1/approvals?"
              + query.entrySet().stream()
                  .filter(e -> e.getValue() != null)
                  .map(
                      e ->
                          e.getKey()
                              + "="
                              + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                  .collect(Collectors.joining("&"));
    }
    return new ApprovalPage(items, next);
  }

  @ReadOnly
  public AuditView audit(String tenantId, UUID approvalId) {
    requests.find(tenantId, approvalId).orElseThrow(() -> ApprovalRequests.notFound(approvalId));
    return new AuditView(
        approvalId,
        audit.entries(tenantId, approvalId).stream()
            .map(e -> new AuditEntryView(e.id(), e.at(), e.actor(), e.action(), e.detail()))
            .toList());
  }

  private static ApprovalKind kind(String wire) {
    for (ApprovalKind kind : ApprovalKind.values()) {
      if (ApprovalRepository.wire(kind).equals(wire)) {
        return kind;
      }
    }
    throw badQuery("kind", "kind must be one of tool_call, promotion, custom");
  }

  /** An opaque cursor: the position of the last row shown. */
  private static String cursorAfter(ApprovalRequest last) {
    String position = last.createdAt() + "|" + last.id();
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(position.getBytes(StandardCharsets.UTF_8));
  }

  private static InboxPosition position(String cursor) {
    if (cursor == null) {
      return null;
    }
    try {
      String[] parts =
          new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8).split("\\|");
      if (parts.length != 2) {
        throw new IllegalArgumentException("not two parts");
      }
      return new InboxPosition(Instant.parse(parts[0]), UUID.fromString(parts[1]));
    } catch (RuntimeException e) {
      throw badQuery("cursor", "cursor is not one this API returned");
    }
  }

  private static String blankToNull(String value) {
    return value == null || value.isBlank() ? null : value.strip();
  }

  private static BadRequestException badQuery(String parameter, String message) {
    return new BadRequestException(
        "Invalid query parameter " + parameter,
        List.of(new FieldError("/" + parameter, "invalid_value", message)));
  }
}
