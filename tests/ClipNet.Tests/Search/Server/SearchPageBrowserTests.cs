using System.Net.Http.Json;
using ClipNet.Search.Server;
using Microsoft.Playwright;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace ClipNet.Tests.Search.Server;

/// <summary>
/// The search page in a real browser: Debian's chromium, driven headless by Playwright (which is told where the
/// browser is and so never tries to download one). It types a query, sees the thumbnails load, asks for "more like
/// this", and drops an image onto the page. Set CLIPNET_SCREENSHOT to a file path to keep a picture of the results.
/// </summary>
[Collection(PhotoServerCollection.Name)]
public class SearchPageBrowserTests(PhotoServerFixture server)
{
    public const string Chromium = "/usr/bin/chromium";

    /// <summary>Debian's chromium, headless; `--no-sandbox` because the tests run as root.</summary>
    public static Task<IBrowser> LaunchChromium(IPlaywright playwright)
    {
        if (!File.Exists(Chromium))
            throw new InvalidOperationException($"{Chromium} is missing: install Debian's chromium (apt-get install -y chromium); .ci/run does this");
        return playwright.Chromium.LaunchAsync(new() { ExecutablePath = Chromium, Headless = true, Args = ["--no-sandbox"] });
    }

    [Fact]
    public async Task TypeAQueryFollowMoreLikeThisAndDropAnImage()
    {
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await LaunchChromium(playwright);
        var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1280, Height = 900 } });
        var failures = new List<string>();
        page.PageError += (_, error) => failures.Add(error);
        page.Console += (_, message) => { if (message.Type == "error") failures.Add($"{message.Location}: {message.Text}"); };
        // Searches replaced by newer keystrokes are aborted on purpose; anything else failing is a fault.
        page.RequestFailed += (_, request) => { if (request.Failure != "net::ERR_ABORTED") failures.Add($"{request.Url}: {request.Failure}"); };

        await page.GotoAsync(server.Server.Address.ToString());
        await Expect(page.Locator("#status")).ToHaveClassAsync("ready");
        Assert.Empty(failures);
        await Expect(page.Locator("#status")).ToContainTextAsync("20 photos");

        // Search as you type: the grid shows the server's ranking, and every thumbnail loads.
        await page.Locator("#q").PressSequentiallyAsync("a cat", new() { Delay = 30 });
        var expected = (await server.Client.GetFromJsonAsync<SearchResponse>("/api/search?q=a%20cat&top=50"))!.Results;
        await Expect(page.Locator("#summary")).ToContainTextAsync($"{expected.Count} results for “a cat”");
        await Expect(page.Locator(".photo")).ToHaveCountAsync(expected.Count);
        Assert.Equal(expected.Select(h => h.Id.ToString()), await page.Locator(".photo").EvaluateAllAsync<string[]>("cards => cards.map(c => c.dataset.id)"));
        // Thumbnails load lazily: those on screen must have loaded, except the two the fixture moved out of reach.
        string[] unservable = [server.IdOf("swapped.png").ToString(), server.IdOf(Path.Combine("album", "horse.png")).ToString()];
        await page.WaitForFunctionAsync("""
            unservable => {
                const shown = [...document.querySelectorAll('.photo')]
                    .filter(card => card.getBoundingClientRect().top < innerHeight && !unservable.includes(card.dataset.id))
                    .map(card => card.querySelector('img'));
                return shown.length >= 4 && shown.every(i => i.complete && i.naturalWidth > 0);
            }
            """, unservable);
        Assert.Equal(expected[0].Score.ToString("F3", System.Globalization.CultureInfo.InvariantCulture), await page.Locator(".photo .score").First.TextContentAsync());

        // Clicking a thumbnail shows the full image and its path.
        await page.Locator(".photo img").First.ClickAsync();
        await Expect(page.Locator("#viewer")).ToBeVisibleAsync();
        await Expect(page.Locator("#viewer-path")).ToHaveTextAsync(expected[0].Path);
        await page.WaitForFunctionAsync("() => document.getElementById('viewer-image').naturalWidth > 0");
        await page.Locator("#viewer-close").ClickAsync();

        // "More like this" on the second result: the grid becomes that photo's neighbours.
        long second = expected[1].Id;
        await page.Locator(".photo .more-like-this").Nth(1).ClickAsync();
        await Expect(page.Locator("#summary")).ToContainTextAsync($"more like {expected[1].Path}");
        var similar = (await server.Client.GetFromJsonAsync<SearchResponse>($"/api/similar/{second}?top=50"))!.Results;
        await Expect(page.Locator(".photo").First).ToHaveAttributeAsync("data-id", similar[0].Id.ToString());
        Assert.DoesNotContain(second.ToString(), await page.Locator(".photo").EvaluateAllAsync<string[]>("cards => cards.map(c => c.dataset.id)"));

        // Dropping an image file searches by it: the astronaut finds itself and its copy first.
        string png = Convert.ToBase64String(File.ReadAllBytes(Path.Combine(server.Photos, "astronaut.png")));
        var dataTransfer = await page.EvaluateHandleAsync("""
            png => {
                const bytes = Uint8Array.from(atob(png), c => c.charCodeAt(0));
                const transfer = new DataTransfer();
                transfer.items.add(new File([bytes], "dropped-astronaut.png", { type: "image/png" }));
                return transfer;
            }
            """, png);
        await page.DispatchEventAsync("#results", "drop", new { dataTransfer });
        await Expect(page.Locator("#image-query")).ToBeVisibleAsync();
        await Expect(page.Locator("#summary")).ToContainTextAsync("photos like dropped-astronaut.png");
        await Expect(page.Locator(".photo .name").First).ToHaveTextAsync("astronaut.png");
        await Expect(page.Locator(".photo .score").First).ToHaveTextAsync("1.000");
        await Expect(page.Locator(".photo .name").Nth(1)).ToHaveTextAsync("astronaut.png");
        if (Environment.GetEnvironmentVariable("CLIPNET_SCREENSHOT") is { Length: > 0 } screenshot)
        {
            await page.WaitForTimeoutAsync(500);   // let the last thumbnails paint
            await page.ScreenshotAsync(new() { Path = screenshot });
        }

        // The duplicates view shows the exact copy side by side with its size and path.
        await page.Locator("#tab-duplicates").ClickAsync();
        var group = page.Locator(".dup-group", new() { HasText = Path.Combine(server.Photos, "copies", "astronaut.png") });
        await Expect(group.Locator("h3")).ToContainTextAsync("Exact duplicates");
        await Expect(group.Locator(".dup-members figure")).ToHaveCountAsync(2);
        await Expect(group).ToContainTextAsync(Path.Combine(server.Photos, "astronaut.png"));
        await Expect(group.Locator(".size").First).ToContainTextAsync("KiB");

        // The only errors are the 404s of the two photos that links moved out of the indexed folder.
        Assert.All(failures, failure => Assert.Contains(unservable, id => failure.Contains($"/api/thumb/{id}")));
    }
}
