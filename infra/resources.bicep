// Everything inside the resource group. No keys or connection strings anywhere: storage, Service Bus
// and Application Insights all have local (key/SAS) auth switched off, and the app, the Functions host
// and the Flex deployment all use one user-assigned managed identity.
targetScope = 'resourceGroup'

param location string = resourceGroup().location
param tags object = {}
@description('Short unique suffix for globally unique names.')
param resourceToken string

@secure()
param webhookSecretEncryptionKey string
@secure()
param apiKeys string = ''

param instanceMemoryMB int = 2048
param maximumInstanceCount int = 40

// Contract with the code (shared/settings.ts default and functions/*.ts triggers).
var serviceBusQueueName = 'batch-notifications'
var functionAppName = 'func-api-${resourceToken}'
var deploymentContainerName = 'app-package-${resourceToken}'

// Built-in role definition IDs (same in every cloud/tenant).
var roleIds = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  serviceBusDataOwner: '090c5cfd-751d-490a-894a-3ce6f1109419'
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
}

// ---------------------------------------------------------------------------------------------
// Identity
// ---------------------------------------------------------------------------------------------

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: 'id-api-${resourceToken}'
  location: location
  tags: tags
}

// ---------------------------------------------------------------------------------------------
// Monitoring
// ---------------------------------------------------------------------------------------------

resource logAnalytics 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: 'log-${resourceToken}'
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: 30
  }
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: 'appi-${resourceToken}'
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: logAnalytics.id
    // Ingestion only with Entra ID: the host authenticates via APPLICATIONINSIGHTS_AUTHENTICATION_STRING
    // (needs Monitoring Metrics Publisher below). Any in-app SDK client must also use a token credential.
    DisableLocalAuth: true
  }
}

// ---------------------------------------------------------------------------------------------
// Storage: Functions host state, the Flex deployment package, and the app's tables
// (memories, batches, apikeys, idempotencykeys; the app creates them on first use).
// ---------------------------------------------------------------------------------------------

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: 'st${resourceToken}'
  location: location
  tags: tags
  sku: {
    name: 'Standard_LRS'
  }
  kind: 'StorageV2'
  properties: {
    accessTier: 'Hot'
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false // identity only; nothing here needs an account key
    defaultToOAuthAuthentication: true
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    dnsEndpointType: 'Standard'
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }

  resource blobService 'blobServices' = {
    name: 'default'

    // Flex Consumption pulls the app package from this container.
    resource deploymentContainer 'containers' = {
      name: deploymentContainerName
      properties: {
        publicAccess: 'None'
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Service Bus: webhook delivery queue
// ---------------------------------------------------------------------------------------------

resource serviceBus 'Microsoft.ServiceBus/namespaces@2024-01-01' = {
  name: 'sb-${resourceToken}'
  location: location
  tags: tags
  sku: {
    name: 'Standard'
    tier: 'Standard'
  }
  properties: {
    disableLocalAuth: true // no SAS keys; Entra ID only
    minimumTlsVersion: '1.2'
  }

  resource queue 'queues' = {
    name: serviceBusQueueName
    properties: {
      maxDeliveryCount: 10
      lockDuration: 'PT1M'
      deadLetteringOnMessageExpiration: true
      defaultMessageTimeToLive: 'P14D'
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Role assignments for the managed identity
// ---------------------------------------------------------------------------------------------

// Blob Data Owner: host state (AzureWebJobsStorage) and the Flex deployment container.
// Queue Data Contributor: the host's own storage queues. Table Data Contributor: the app's tables
// (includes creating them).
var storageRoleIds = [
  roleIds.storageBlobDataOwner
  roleIds.storageTableDataContributor
  roleIds.storageQueueDataContributor
]

resource storageRoleAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for roleId in storageRoleIds: {
    name: guid(storage.id, identity.id, roleId)
    scope: storage
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleId)
      principalId: identity.properties.principalId
      principalType: 'ServicePrincipal'
    }
  }
]

// Data Owner rather than Sender + Receiver: the app schedules messages, receives the trigger queue,
// and reads/re-sends/completes messages on the dead-letter subqueue; Owner covers all of these in one role.
resource serviceBusRoleAssignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(serviceBus.id, identity.id, roleIds.serviceBusDataOwner)
  scope: serviceBus
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.serviceBusDataOwner)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

// Required for Entra ID ingestion into Application Insights (DisableLocalAuth above).
resource appInsightsRoleAssignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(appInsights.id, identity.id, roleIds.monitoringMetricsPublisher)
  scope: appInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.monitoringMetricsPublisher)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

// ---------------------------------------------------------------------------------------------
// Flex Consumption plan + function app
// ---------------------------------------------------------------------------------------------

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: 'plan-${resourceToken}'
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true // Linux
  }
}

resource functionApp 'Microsoft.Web/sites@2024-04-01' = {
  name: functionAppName
  location: location
  // azd finds the target of service `api` by this tag.
  tags: union(tags, {
    'azd-service-name': 'api'
  })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identity.id}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    // Flex Consumption: runtime and scale live here, not in FUNCTIONS_WORKER_RUNTIME /
    // FUNCTIONS_EXTENSION_VERSION app settings (which Flex rejects).
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identity.id
          }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
      }
      runtime: {
        name: 'node'
        version: '20'
      }
    }
  }
  // Grant data access before the host first starts, so it doesn't boot into 403s.
  dependsOn: [
    storage::blobService::deploymentContainer
    serviceBus::queue
    storageRoleAssignments
    serviceBusRoleAssignment
    appInsightsRoleAssignment
  ]
}

// Setting names are a contract with shared/settings.ts and the trigger bindings.
resource appSettings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: functionApp
  name: 'appsettings'
  properties: {
    // Functions host storage, identity-based.
    AzureWebJobsStorage__accountName: storage.name
    AzureWebJobsStorage__credential: 'managedidentity'
    AzureWebJobsStorage__clientId: identity.properties.clientId

    // App tables. MEMORY_STORAGE_CONNECTION is deliberately not set (it would need an account key):
    // the app reads MEMORY_STORAGE_ACCOUNT_NAME for identity-based Table access, and
    // DefaultAzureCredential picks the user-assigned identity from AZURE_CLIENT_ID.
    MEMORY_STORAGE_ACCOUNT_NAME: storage.name
    AZURE_CLIENT_ID: identity.properties.clientId

    // Service Bus, identity-based. The binding `connection` is the prefix AZURE_SERVICE_BUS_CONNECTION_STRING.
    // Public-cloud suffix; environment() exposes no Service Bus suffix.
    AZURE_SERVICE_BUS_CONNECTION_STRING__fullyQualifiedNamespace: '${serviceBus.name}.servicebus.windows.net'
    AZURE_SERVICE_BUS_CONNECTION_STRING__credential: 'managedidentity'
    AZURE_SERVICE_BUS_CONNECTION_STRING__clientId: identity.properties.clientId
    AZURE_SERVICE_BUS_QUEUE_NAME: serviceBusQueueName

    // Application Insights with Entra ID auth.
    APPLICATIONINSIGHTS_CONNECTION_STRING: appInsights.properties.ConnectionString
    APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identity.properties.clientId};Authorization=AAD'

    // Secrets from secure parameters.
    WEBHOOK_SECRET_ENCRYPTION_KEY: webhookSecretEncryptionKey
    API_KEYS: apiKeys
  }
}

output functionAppName string = functionApp.name
output functionAppUrl string = 'https://${functionApp.properties.defaultHostName}/api'
output serviceBusNamespaceName string = serviceBus.name
output appInsightsConnectionString string = appInsights.properties.ConnectionString
output storageAccountName string = storage.name
output identityClientId string = identity.properties.clientId
