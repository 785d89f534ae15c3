export declare const DEVICE_DEFINE: Record<string, string>
