package dev.agentplane.approval.webhook;

import dev.agentplane.approval.webhook.WebhookViews.DeliveryPage;
import dev.agentplane.approval.webhook.WebhookViews.DeliveryView;
import dev.agentplane.approval.webhook.WebhookViews.WebhookPage;
import dev.agentplane.approval.webhook.WebhookViews.WebhookView;
import dev.agentplane.kit.json.JsonRequestBody;
import dev.agentplane.kit.problem.NotFoundException;
import dev.agentplane.kit.security.Role;
import dev.agentplane.kit.security.TenantPrincipal;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Consumes;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Delete;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Patch;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.rules.SecurityRule;
import java.util.Set;
import java.util.UUID;

/**
 * {@code /v1/webhooks}: a tenant's admins subscribe URLs to approval events, rotate signing
 * secrets, and read the delivery log. Every other role gets 403; another tenant's webhook is 404.
 */
@Controller("/v1/webhooks")
@Secured(SecurityRule.IS_AUTHENTICATED)
class WebhookController {

  private static final Set<String> CREATE_FIELDS =
      Set.of("url", "eventTypes", "description", "enabled");
  private static final Set<String> UPDATE_FIELDS = CREATE_FIELDS;
  private static final Set<String> ROTATE_FIELDS =
      Set.of(WebhookSecrets.PREVIOUS_SECRET_VALIDITY_FIELD);

  private final WebhookSubscriptions subscriptions;
  private final WebhookDeliveries deliveries;

  WebhookController(WebhookSubscriptions subscriptions, WebhookDeliveries deliveries) {
    this.subscriptions = subscriptions;
    this.deliveries = deliveries;
  }

  @Post
  @Consumes(MediaType.APPLICATION_JSON)
  HttpResponse<WebhookView> create(TenantPrincipal principal, @Nullable @Body String body) {
    principal.require(Role.ADMIN);
    JsonRequestBody request = JsonRequestBody.parseNonEmpty(body, CREATE_FIELDS);
    WebhookView created =
        subscriptions.create(
            principal,
            new WebhookSubscriptions.Changes(
                request.string("url"),
                request.strings("eventTypes"),
                true,
                request.optionalString("description"),
                request.present("enabled") ? request.bool("enabled") : null));
    return HttpResponse.created(created)
        .header("Location", "/v1/webhooks/" + created.id())
        .header("Cache-Control", "no-store");
  }

  @Get
  WebhookPage list(
      TenantPrincipal principal,
      @Nullable @QueryValue String cursor,
      @Nullable @QueryValue Integer limit) {
    principal.require(Role.ADMIN);
    return subscriptions.list(principal, cursor, limit);
  }

  @Get("/{id}")
  WebhookView get(TenantPrincipal principal, @PathVariable String id) {
    principal.require(Role.ADMIN);
    return subscriptions.get(principal, webhookId(id));
  }

  @Patch("/{id}")
  @Consumes(MediaType.APPLICATION_JSON)
  WebhookView update(
      TenantPrincipal principal, @PathVariable String id, @Nullable @Body String body) {
    principal.require(Role.ADMIN);
    UUID webhookId = webhookId(id);
    JsonRequestBody request = JsonRequestBody.parseNonEmpty(body, UPDATE_FIELDS);
    return subscriptions.update(
        principal,
        webhookId,
        new WebhookSubscriptions.Changes(
            request.present("url") ? request.string("url") : null,
            request.present("eventTypes") ? request.strings("eventTypes") : null,
            request.present("description"),
            request.optionalString("description"),
            request.present("enabled") ? request.bool("enabled") : null));
  }

  @Delete("/{id}")
  HttpResponse<?> delete(TenantPrincipal principal, @PathVariable String id) {
    principal.require(Role.ADMIN);
    subscriptions.delete(principal, webhookId(id));
    return HttpResponse.noContent();
  }

  /** The body is optional: {@code {"previousSecretValidity": "PT1H"}} sets the overlap window. */
  @Post("/{id}/rotate-secret")
  HttpResponse<WebhookView> rotateSecret(
      TenantPrincipal principal, @PathVariable String id, @Nullable @Body String body) {
    principal.require(Role.ADMIN);
    UUID webhookId = webhookId(id);
    JsonRequestBody request = JsonRequestBody.parse(body, ROTATE_FIELDS);
    return HttpResponse.ok(
            subscriptions.rotateSecret(
                principal,
                webhookId,
                request.optionalDuration(WebhookSecrets.PREVIOUS_SECRET_VALIDITY_FIELD)))
        .header("Cache-Control", "no-store");
  }

  @Get("/{id}/deliveries")
  DeliveryPage deliveries(
      TenantPrincipal principal,
      @PathVariable String id,
      @Nullable @QueryValue String cursor,
      @Nullable @QueryValue Integer limit) {
    principal.require(Role.ADMIN);
    return deliveries.list(principal, webhookId(id), cursor, limit);
  }

  @Get("/{id}/deliveries/{deliveryId}")
  DeliveryView delivery(
      TenantPrincipal principal, @PathVariable String id, @PathVariable String deliveryId) {
    principal.require(Role.ADMIN);
    return deliveries.get(principal, webhookId(id), deliveryId(deliveryId));
  }

  @Post("/{id}/deliveries/{deliveryId}/redeliver")
  HttpResponse<DeliveryView> redeliver(
      TenantPrincipal principal, @PathVariable String id, @PathVariable String deliveryId) {
    principal.require(Role.ADMIN);
    return HttpResponse.accepted()
        .body(deliveries.redeliver(principal, webhookId(id), deliveryId(deliveryId)));
  }

  /** Ids that are not UUIDs name nothing: the same 404 as another tenant's. */
  private static UUID webhookId(String id) {
    try {
      return UUID.fromString(id);
    } catch (IllegalArgumentException e) {
      throw new NotFoundException("No webhook " + id);
    }
  }

  private static UUID deliveryId(String id) {
    try {
      return UUID.fromString(id);
    } catch (IllegalArgumentException e) {
      throw new NotFoundException("No delivery " + id);
    }
  }
}
