/**
 * The gateway's route modules, in registration order. Each lives in its own folder (rest/, ws/,
 * metrics/, console/) and is registered here once.
 */
import { consoleModule } from './console/console.js'
import type { GatewayModuleFactory } from './gateway.js'
import { metricsModule } from './metrics/metrics-module.js'
import { restProxyModule } from './rest/rest-proxy.js'
import { webSocketStreams } from './ws/ws-module.js'

export const gatewayModules: readonly GatewayModuleFactory[] = [
  restProxyModule,
  webSocketStreams,
  metricsModule,
  consoleModule,
]
