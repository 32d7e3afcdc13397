#!/usr/bin/env python3
"""Browser tests: a real `kith serve` on a fresh demo workspace, driven by headless Chromium.

Usage: Tests/browser/ui_test.py PATH/TO/kith [SCREENSHOT_FOLDER]

Signs in, creates a customer through the form (first with a validation error next to the field),
filters and sorts a list, has a rep submit an expense that the manager approves on the approvals
page, converts a lead, shows an XSS payload as text everywhere, checks that a form without its
CSRF token is refused, has an administrator reload the workspace with a new module (a broken one
first), and saves screenshots of the main pages as PNG.
"""
import os, re, shutil, subprocess, sys, tempfile, time, traceback

from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

KITH = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".build/debug/kith")
SHOTS = os.path.abspath(sys.argv[2] if len(sys.argv) > 2 else ".build/screenshots")
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PASSWORD = "kith-demo"
failures = []


def check(condition, what):
    print(("ok   " if condition else "FAIL ") + what)
    if not condition:
        failures.append(what)


def start_server(folder):
    env = dict(os.environ, KITH_HOME=REPO)
    subprocess.run([KITH, "demo", "--records", "8"], cwd=folder, env=env, check=True, capture_output=True)
    subprocess.run([KITH, "user", "add", "boss", "--role", "admin", "--password-stdin"], cwd=folder, env=env, check=True,
                   capture_output=True, input=PASSWORD, text=True)
    server = subprocess.Popen([KITH, "serve", "--port", "0"], cwd=folder, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = server.stdout.readline()
    match = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
    if not match:
        server.kill()
        raise SystemExit("kith serve did not start: " + line)
    return server, "http://127.0.0.1:" + match.group(1)


def browser():
    options = webdriver.ChromeOptions()
    for argument in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,900", "--lang=en-US"]:
        options.add_argument(argument)
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if binary:
        options.binary_location = binary
    driver_path = shutil.which("chromedriver")
    service = Service(driver_path) if driver_path else Service()
    driver = webdriver.Chrome(options=options, service=service)
    driver.implicitly_wait(2)
    return driver


def sign_in(driver, base, login):
    driver.delete_all_cookies()
    driver.get(base + "/lang/en")
    driver.get(base + "/login")
    driver.find_element(By.NAME, "login").send_keys(login)
    driver.find_element(By.NAME, "password").send_keys(PASSWORD)
    follow(driver, driver.find_element(By.CSS_SELECTOR, "form button"))


def shot(driver, name):
    os.makedirs(SHOTS, exist_ok=True)
    driver.save_screenshot(os.path.join(SHOTS, name + ".png"))


def no_alert(driver):
    try:
        driver.switch_to.alert
        return False
    except NoAlertPresentException:
        return True


def fill(driver, name, value):
    element = driver.find_element(By.NAME, name)
    element.clear()
    element.send_keys(value)


def follow(driver, element):
    """Clicks an element that loads a new page, and waits until the new page has replaced it."""
    element.click()

    def replaced(_):
        try:
            element.is_enabled()
            return False
        except WebDriverException:  # stale, or "node does not belong to the document": the page changed
            return True

    WebDriverWait(driver, 10).until(replaced)


def save(driver):
    follow(driver, driver.find_element(By.CSS_SELECTOR, "form.record button"))


FLEET = """<?xml version="1.0" encoding="UTF-8"?>
<module xmlns="urn:kith:1" name="fleet" version="1" label="Fleet" label-zh="车队">
  <entity name="vehicle" label="Vehicle" label-zh="车辆" plural="Vehicles" title="plate" menu="fleet">
    <field name="plate" type="text" required="true" max="20" label="Plate" label-zh="车牌"/>
    <field name="customer" type="ref" entity="customer" label="Customer" label-zh="客户"/>
  </entity>
</module>
"""


def reload_workspace(driver, base, modules):
    """An administrator adds a module: a broken version is refused with its line, the fixed one
    puts a new entity in the menu without a restart."""
    sign_in(driver, base, "boss")
    with open(os.path.join(modules, "fleet.xml"), "w") as file:
        file.write(FLEET.replace('type="ref"', 'type="reference"'))
    driver.get(base + "/admin")
    follow(driver, driver.find_element(By.CSS_SELECTOR, "form[action='/admin/workspace/reload'] button"))
    section = driver.find_element(By.ID, "workspace").text
    check("Reload refused" in section and "modules/fleet.xml:5:" in section, "a broken module is refused with its line")
    check('href="/e/vehicle"' not in driver.page_source, "a refused module changes nothing")
    with open(os.path.join(modules, "fleet.xml"), "w") as file:
        file.write(FLEET)
    follow(driver, driver.find_element(By.CSS_SELECTOR, "form[action='/admin/workspace/reload'] button"))
    section = driver.find_element(By.ID, "workspace").text
    check("Reloaded" in section and "create table for entity 'vehicle'" in section, "the fixed module is in force")
    check('href="/e/vehicle"' in driver.page_source, "its entity is in the menu")
    shot(driver, "admin-workspace-reloaded")
    driver.get(base + "/e/vehicle/new")
    fill(driver, "plate", "沪A·12345")
    save(driver)
    check("/e/vehicle/" in driver.current_url and "沪A·12345" in driver.page_source, "a record of the new entity is saved")


def run(base, folder):
    driver = browser()
    try:
        # Sign in as a rep.
        sign_in(driver, base, "sales_rep1")
        check("Workbench" in driver.page_source, "a rep signs in and sees the workbench")
        shot(driver, "workbench")

        # A customer through the form: the error next to the field, then saved.
        driver.get(base + "/e/customer/new")
        shot(driver, "customer-form")
        fill(driver, "phone", "021-5555-0101")
        save(driver)
        problem = driver.find_elements(By.CSS_SELECTOR, ".field.invalid .problem")
        check(len(problem) == 1 and "required" in problem[0].text, "an empty name is reported next to the field")
        check(driver.find_element(By.NAME, "phone").get_attribute("value") == "021-5555-0101", "what was typed is kept")
        fill(driver, "name", "Browser Test Trading Co.")
        save(driver)
        check(re.search(r"/e/customer/\d+$", driver.current_url) is not None, "the customer is saved and shown")
        check("Browser Test Trading Co." in driver.find_element(By.TAG_NAME, "h1").text, "the record page shows its title")
        shot(driver, "customer-record")

        # Filter and sort a list.
        driver.get(base + "/e/customer")
        search = driver.find_element(By.NAME, "q")
        search.send_keys("Browser Test")
        follow(driver, driver.find_element(By.CSS_SELECTOR, "form.filters button"))
        rows = driver.find_elements(By.CSS_SELECTOR, "table.list tbody tr")
        check(len(rows) == 1 and "Browser Test Trading Co." in rows[0].text, "quick search finds the customer")

        # XSS: a name with markup shows as text on the record page and in the list.
        payload = '<img src=x onerror="alert(1)">'
        driver.get(base + "/e/customer/new")
        fill(driver, "name", payload)
        save(driver)
        check(payload in driver.find_element(By.TAG_NAME, "h1").text and no_alert(driver), "a markup name shows as text on its page")
        driver.get(base + "/e/customer?q=onerror")
        check(payload in driver.page_source.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"') and no_alert(driver)
              and not driver.find_elements(By.CSS_SELECTOR, "table.list img"), "and in the list, without running")

        # Sort by clicking a header (the rep's customers: the demo's and the new one).
        driver.get(base + "/e/customer")
        follow(driver, driver.find_elements(By.CSS_SELECTOR, "table.list th a")[0])
        first = [row.find_elements(By.CSS_SELECTOR, "td:not(.pick)")[0].text for row in driver.find_elements(By.CSS_SELECTOR, "table.list tbody tr")]
        follow(driver, driver.find_elements(By.CSS_SELECTOR, "table.list th a")[0])
        second = [row.find_elements(By.CSS_SELECTOR, "td:not(.pick)")[0].text for row in driver.find_elements(By.CSS_SELECTOR, "table.list tbody tr")]
        check(len(first) > 1 and all(first) and first == sorted(first) and second == sorted(second, reverse=True),
              "clicking a header sorts up, then down (%s, %s)" % (first, second))
        shot(driver, "customer-list")

        # Bulk: tick the rep's customers and share them with the manager.
        boxes = driver.find_elements(By.CSS_SELECTOR, "table.list td.pick input[type=checkbox]")
        for box in boxes:
            box.click()
        target = driver.find_element(By.CSS_SELECTOR, "form.bulk select[name=target]")
        manager = [option for option in target.find_elements(By.TAG_NAME, "option") if "manager" in option.text.lower()]
        if manager:
            manager[0].click()
        follow(driver, driver.find_element(By.CSS_SELECTOR, "form.bulk button[value=share]"))
        check(len(boxes) > 1 and ("Records shared: %d" % len(boxes)) in driver.page_source, "ticked rows are shared in one go")
        follow(driver, driver.find_element(By.LINK_TEXT, "Back"))
        check("/e/customer" in driver.current_url, "and back to the list")

        # Import: upload a CSV file, map its columns (one left out), import, watch it finish.
        upload = os.path.join(tempfile.mkdtemp(), "customers.csv")
        with open(upload, "w", encoding="utf-8-sig") as handle:
            handle.write("客户名称,phone,Shoe size\nUploaded Alpha Co.,021-5555-0201,42\nUploaded Beta Co.,021-5555-0202,43\n")
        driver.get(base + "/e/customer/import")
        driver.find_element(By.CSS_SELECTOR, "input[type=file]").send_keys(upload)
        follow(driver, driver.find_element(By.CSS_SELECTOR, "form.record button"))
        selected = [Select(box).first_selected_option.get_attribute("value") for box in driver.find_elements(By.CSS_SELECTOR, "select[name^='map.']")]
        check(selected == ["name", "phone", ""], "uploaded columns are mapped by label and name, the unknown one left out (%s)" % selected)
        shot(driver, "import-mapping")
        follow(driver, driver.find_element(By.CSS_SELECTOR, "button[name=apply][value='1']"))
        for _ in range(50):
            if "imported" in driver.page_source:
                break
            time.sleep(0.2)
        check("2 imported" in driver.page_source, "the upload is imported")

        # A form without its CSRF token is refused.
        driver.get(base + "/e/customer/new")
        driver.execute_script("document.querySelector('form.record input[name=_csrf]').remove()")
        fill(driver, "name", "Forged Co.")
        save(driver)
        check("CSRF" in driver.page_source or "expired" in driver.page_source, "a form without its CSRF token is refused")
        driver.get(base + "/e/customer?q=Forged")
        check(len(driver.find_elements(By.CSS_SELECTOR, "table.list tbody tr td a")) == 0, "and nothing was saved")

        # Convert a lead.
        driver.get(base + "/e/lead/new")
        fill(driver, "company", "Lead Convert Ltd.")
        fill(driver, "contact_name", "Wang Fang")
        fill(driver, "topic", "Forklifts for the new warehouse")
        save(driver)
        lead_url = driver.current_url
        follow(driver, driver.find_element(By.XPATH, "//form[contains(@action,'/convert/qualify')]//button"))
        check("/e/customer/" in driver.current_url and "Lead Convert Ltd." in driver.page_source, "converting a lead opens the new customer")
        driver.get(lead_url)
        check("Converted" in driver.page_source, "the lead is converted")

        # A rep submits an expense; the manager approves it on the approvals page.
        driver.get(base + "/e/expense/new")
        fill(driver, "title", "Client visit, Suzhou")
        driver.find_element(By.CSS_SELECTOR, "select[name=category] option:nth-child(2)").click()
        fill(driver, "amount", "860.00")
        save(driver)
        expense_url = driver.current_url
        follow(driver, driver.find_element(By.XPATH, "//form[contains(@action,'/transition/submit')]//button"))
        check("Pending" in driver.page_source, "the rep submits the expense")
        shot(driver, "expense-record")
        sign_in(driver, base, "sales_manager")
        driver.get(base + "/approvals")
        shot(driver, "approvals")
        links = driver.find_elements(By.PARTIAL_LINK_TEXT, "Client visit, Suzhou")
        check(len(links) == 1, "the manager finds it among the approvals waiting")
        if links:
            follow(driver, links[0])
            driver.find_element(By.CSS_SELECTOR, ".approval textarea[name=comment]").send_keys("OK, keep the receipts")
            follow(driver, driver.find_element(By.CSS_SELECTOR, "button[value=approve]"))
        driver.get(expense_url)
        check("Approved" in driver.page_source and "OK, keep the receipts" in driver.page_source, "the manager approves it, with the comment")

        # The calendar's week view.
        driver.get(base + "/calendar")
        follow(driver, driver.find_element(By.LINK_TEXT, "Week"))
        check(len(driver.find_elements(By.CSS_SELECTOR, "table.calendar.week tbody td")) == 7, "the calendar shows a week")
        shot(driver, "calendar-week")

        # Chinese pages.
        driver.get(base + "/")
        follow(driver, driver.find_element(By.CSS_SELECTOR, "form.language button"))
        check("工作台" in driver.page_source, "the UI speaks Chinese")
        shot(driver, "workbench-zh")
        driver.get(base + "/e/customer/new")
        fill(driver, "phone", "abc")
        save(driver)
        problems = [element.text for element in driver.find_elements(By.CSS_SELECTOR, ".field.invalid .problem")]
        check("必填" in problems and "「abc」不是有效的电话号码" in problems, "on Chinese pages the problems are said in Chinese")
        shot(driver, "customer-form-problems-zh")
        driver.set_window_size(390, 844)
        driver.get(base + "/e/customer")
        shot(driver, "customer-list-phone")
        driver.set_window_size(1280, 900)

        reload_workspace(driver, base, os.path.join(folder, "workspace", "modules"))
    finally:
        driver.quit()


def main():
    folder = tempfile.mkdtemp(prefix="kith-browser-")
    server, base = start_server(folder)
    try:
        run(base, folder)
    except Exception:
        traceback.print_exc()
        failures.append("the browser test crashed")
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(folder, ignore_errors=True)
    print(f"{len(failures)} failed" if failures else f"browser tests passed; screenshots in {SHOTS}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
