using Xunit;

namespace ClipNet.Tests.Search.Server;

/// <summary>
/// The server opens files only by index id, and only inside the indexed folders: every attempt to reach another
/// file answers 404 and never shows its content. Requests go over a raw socket so that "..", encoded slashes and
/// absolute paths reach the server exactly as an attacker would send them.
/// </summary>
[Collection(PhotoServerCollection.Name)]
public class PathTraversalTests(PhotoServerFixture server)
{
    async Task AssertNotServed(string target)
    {
        var (status, body) = await server.RawGet(target);
        Assert.True(status == 404, $"{target}: expected 404, got {status}");
        Assert.DoesNotContain("root:", body);
        Assert.DoesNotContain(PhotoServerFixture.SecretText, body);
    }

    [Theory]
    [InlineData("/api/image/../../../../../../etc/passwd")]
    [InlineData("/api/thumb/1/../../../../../../etc/passwd")]
    [InlineData("/app.js/../../../../../../etc/passwd")]
    [InlineData("/../../../../../../etc/passwd")]
    public Task DotDotSegmentsAreNotFound(string target) => AssertNotServed(target);

    [Theory]
    [InlineData("/api/image/..%2F..%2F..%2F..%2F..%2F..%2Fetc%2Fpasswd")]
    [InlineData("/api/thumb/%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd")]
    [InlineData("/api/image/1%2F..%2F..%2F..%2F..%2F..%2Fetc%2Fpasswd")]
    [InlineData("/%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd")]
    [InlineData("/api/image/..%5C..%5C..%5C..%5Cetc%5Cpasswd")]
    public Task EncodedSlashesAreNotFound(string target) => AssertNotServed(target);

    [Theory]
    [InlineData("/api/image//etc/passwd")]
    [InlineData("/api/image/%2Fetc%2Fpasswd")]
    [InlineData("/api/thumb/%2Fetc%2Fpasswd")]
    [InlineData("/etc/passwd")]
    [InlineData("/api/image/file:%2F%2F%2Fetc%2Fpasswd")]
    public Task AbsolutePathsAreNotFound(string target) => AssertNotServed(target);

    [Fact]
    public async Task AnIdThatIsNotInTheIndexIsNotFound()
    {
        await AssertNotServed("/api/image/999999");
        await AssertNotServed("/api/thumb/-1");
    }

    [Fact]
    public async Task AFileSwappedForALinkOutOfTheFoldersIsNotFound()
    {
        long swapped = server.IdOf("swapped.png");
        await AssertNotServed($"/api/image/{swapped}");
        await AssertNotServed($"/api/thumb/{swapped}");
        // The same request for a photo that is still a plain file inside the folder is served.
        Assert.Equal(200, (await server.RawGet($"/api/image/{server.IdOf("coffee.png")}")).Status);
    }

    [Fact]
    public async Task AFolderSwappedForALinkOutOfTheFoldersIsNotFound()
    {
        long inLinkedFolder = server.IdOf(Path.Combine("album", "horse.png"));
        await AssertNotServed($"/api/image/{inLinkedFolder}");
        await AssertNotServed($"/api/thumb/{inLinkedFolder}");
    }
}
