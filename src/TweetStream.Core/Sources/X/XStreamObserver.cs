namespace TweetStream.Sources.X;

/// <summary>Notifications from the reconnect loop, for tests and diagnostics. Called on the reading thread.</summary>
internal interface IXStreamObserver
{
    void OnConnected(int connection);

    void OnKeepAlive();

    /// <summary>Called synchronously from the watchdog timer when it declares the connection stalled.</summary>
    void OnStall();

    /// <summary>Called after the delay's timer is armed, so a fake clock can be advanced safely.</summary>
    void OnBackoff(XFailureClass failure, TimeSpan delay, string reason);

    void OnDisconnected(string reason, bool stalled);

    void OnDuplicate(string postId);
}
