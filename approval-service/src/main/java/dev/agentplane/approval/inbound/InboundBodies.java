package dev.agentplane.approval.inbound;

import dev.agentplane.approval.inbound.InboundDecisions.SignedDecision;
import dev.agentplane.approval.request.Approver;
import dev.agentplane.approval.request.DecisionChannel;
import dev.agentplane.approval.request.DecisionCommand;
import dev.agentplane.kit.json.JsonRequestBody;
import dev.agentplane.kit.problem.BadRequestException;
import dev.agentplane.kit.problem.FieldError;
import dev.agentplane.kit.security.Role;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Reads the bodies of inbound decisions: a 400 naming the field for anything malformed. */
final class InboundBodies {

  private static final Set<String> SIGNED_FIELDS;

  static {
    Set<String> fields = new HashSet<>(DecisionCommand.FIELDS);
    fields.addAll(Set.of("approvalId", "approver"));
    SIGNED_FIELDS = Set.copyOf(fields);
  }

  /** Roles a tenant can vouch for when it names an approver: the deciding ones. */
  static final Set<String> VOUCHABLE_ROLES =
      Set.of(Role.APPROVER.claimValue(), Role.ADMIN.claimValue());

  private static final List<String> DEFAULT_ROLES = List.of(Role.APPROVER.claimValue());

  private InboundBodies() {}

  /**
   * {@code {approvalId, approver: {subject, roles?}, decision, reason?, editedArguments?}}; roles
   * default to {@code [approver]}.
   */
  static SignedDecision signedDecision(byte[] raw) {
    JsonRequestBody body =
        JsonRequestBody.parse(new String(raw, StandardCharsets.UTF_8), SIGNED_FIELDS);
    return new SignedDecision(
        body.uuid("approvalId"),
        vouchedApprover(body, DecisionChannel.SIGNED_WEBHOOK),
        DecisionCommand.read(body));
  }

  /** The optional {@code {reason}} of a link's use. */
  static String linkReason(String raw) {
    if (raw == null || raw.isBlank()) {
      return null;
    }
    return JsonRequestBody.parse(raw, Set.of("reason")).optionalText("reason");
  }

  /**
   * The optional {@code reason} of a link's use posted by an HTML form ({@code
   * application/x-www-form-urlencoded}, e.g. {@code reason=Wrong+payee}); any other field is a 400
   * naming it, as in JSON.
   */
  static String linkReasonFromForm(String raw) {
    if (raw == null || raw.isBlank()) {
      return null;
    }
    String reason = null;
    for (String pair : raw.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int equals = pair.indexOf('=');
      String name = decode(equals < 0 ? pair : pair.substring(0, equals));
      String value = equals < 0 ? "" : decode(pair.substring(equals + 1));
      if (!name.equals("reason")) {
        throw new BadRequestException(
            "The form has fields this endpoint does not accept: /" + name,
            List.of(
                new FieldError(
                    "/" + name,
                    "unknown_property",
                    "unknown property " + name + "; allowed: [reason]")));
      }
      if (reason != null) {
        throw new BadRequestException(
            "reason is given twice",
            List.of(new FieldError("/reason", "duplicate", "reason is given twice")));
      }
      reason = value;
    }
    return reason == null || reason.isBlank() ? null : reason;
  }

  private static String decode(String text) {
    try {
      return URLDecoder.decode(text, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw new BadRequestException(
          "The form is not valid application/x-www-form-urlencoded",
          List.of(new FieldError("", "malformed_form", "not valid form encoding")));
    }
  }

  /**
   * The body's {@code approver: {subject, roles?}}: someone the tenant vouches for, with deciding
   * roles only ({@code [approver]} when none are named).
   */
  static Approver vouchedApprover(JsonRequestBody body, DecisionChannel channel) {
    JsonRequestBody approver = body.object("approver", Set.of("subject", "roles"));
    String subject = approver.text("subject");
    if (subject.isBlank()) {
      throw approver.bad("subject", "blank", "approver.subject must name the approver");
    }
    return new Approver(subject, roles(approver), channel);
  }

  private static Set<String> roles(JsonRequestBody approver) {
    List<String> given = approver.optionalStrings("roles");
    List<String> roles = given == null || given.isEmpty() ? DEFAULT_ROLES : given;
    for (String role : roles) {
      if (!VOUCHABLE_ROLES.contains(role)) {
        throw approver.bad(
            "roles",
            "invalid_value",
            "roles may only be " + VOUCHABLE_ROLES.stream().sorted().toList());
      }
    }
    return Set.copyOf(roles);
  }
}
