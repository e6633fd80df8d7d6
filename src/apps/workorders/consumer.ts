import { JsonWebsocketConsumer, type ConsumerClass, type Kwargs, type LayerMessage } from "../../core/index.js";
import { appSubprotocols } from "../../auth/index.js";
import { LIST_GROUP, orderGroup, type WorkOrderService } from "./service.js";

/**
 * `/ws/workorders/<id>/` (session or JWT; the requester, an approver or a superuser): sends `{"type": "workorder.state", ...view}` on
 * connect, then every change as `{"type": "workorder.event", "event": {...}}`.
 * `/ws/workorders/` (the list): every order state change.
 */
export function workOrderConsumer(service: WorkOrderService): ConsumerClass<Kwargs> {
  return class WorkOrderConsumer extends JsonWebsocketConsumer<Kwargs> {
    override get groups(): string[] {
      return [this.scope.kwargs.id ? orderGroup(Number(this.scope.kwargs.id)) : LIST_GROUP];
    }

    override async connect(): Promise<void> {
      const id = this.scope.kwargs.id;
      if (id === undefined) {
        await this.accept(appSubprotocols(this.scope)[0]);
        return;
      }
      const view = await service.view(Number(id));
      // The route needs a user; the order must also be theirs to see (else as if missing).
      if (!view || !service.canSee(await service.actor(Number(this.scope.user!.id)), view.order)) {
        await this.close(); // 403 before accept: no such order, or not this user's to see
        return;
      }
      await this.accept(appSubprotocols(this.scope)[0]);
      this.sendJson({ type: "workorder.state", ...view });
    }

    /** Layer event: forwarded as it is, serialized once for every watcher. */
    async workorderEvent(event: LayerMessage): Promise<void> {
      this.sendJson(event);
    }
  };
}
